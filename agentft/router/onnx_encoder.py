"""Run the transformer of a sentence-transformers model with ONNX Runtime, optionally with int8 weights.

Why: on this project's 2-core CPU, PyTorch eager spends ~10 ms on one 20-token MiniLM forward (dozens of small
matmuls, each paying per-op overhead); ONNX Runtime runs the same graph in ~4 ms, ~2 ms with int8 weights
(`agentft bench router` compares them side by side). sentence-transformers' own ONNX backend needs optimum-onnx,
which pins transformers<4.58, so the graph is exported with torch's dynamo exporter instead; tokenization, pooling
and normalization stay sentence-transformers' own modules. The exported graph is cached by a digest of the weights,
so a router loads it in milliseconds after the first export (~10 s)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from agentft.errors import AgentftError


def _digest(module: Any, quantize: bool) -> str:
    import onnxruntime
    import torch

    digest = hashlib.sha256(f"{quantize} {torch.__version__} {onnxruntime.__version__}".encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def _quiet_loggers(*names: str):
    """The exporter warns about every torchvision op it skips, the quantizer (through the root logger) advises
    pre-processing: every time, and nothing to act on."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def export_transformer(model: Any, path: Path, quantize: bool) -> None:
    """The model's first module (a Hugging Face transformer) as an ONNX graph: tokenizer outputs in, token
    embeddings out, batch and sequence dimensions dynamic. Written to a temporary file, then renamed."""
    import torch
    from torch.export import Dim

    transformer = model[0].auto_model.eval()
    sample = model.tokenizer(["an example sentence", "another"], padding=True, return_tensors="pt")
    names = list(sample.keys())

    class Graph(torch.nn.Module):  # positional inputs in the tokenizer's order (the exporter traces positionals)
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as scratch,
        _quiet_loggers("torch.onnx", ""),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", FutureWarning)  # torch's own pytree deprecations, raised inside the exporter
        graph = Path(scratch) / "model.onnx"
        program = torch.onnx.export(
            Graph().eval(),
            tuple(sample[name] for name in names),
            dynamo=True,
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_shapes=(tuple({0: Dim.DYNAMIC, 1: Dim.DYNAMIC} for _ in names),),  # one entry: *inputs
            verbose=False,
        )
        program.save(str(graph))
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(graph), str(graph.with_suffix(".int8.onnx")), weight_type=QuantType.QInt8)
            graph = graph.with_suffix(".int8.onnx")
        os.replace(graph, path)


class OnnxTransformer:
    """Encodes like `SentenceTransformer.encode(normalize_embeddings=True)`, with the transformer run by ONNX
    Runtime. The first module must be a Hugging Face transformer (static embeddings need no runtime)."""

    def __init__(self, model: Any, quantize: bool):
        from agentft.models import cache_dir

        try:
            import onnxruntime
        except ImportError as exc:
            raise AgentftError("encoder.runtime onnx needs onnxruntime: pip install 'agentft[router]'") from exc
        import torch

        self.model = model  # tokenizer, max_seq_length and the pooling modules after the transformer
        path = cache_dir() / "onnx" / f"{_digest(model[0].auto_model, quantize)}{'-int8' if quantize else ''}.onnx"
        if not path.is_file():
            export_transformer(model, path, quantize)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [node.name for node in self.session.get_inputs()]
        self.quantized = quantize

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        if self.quantized:
            # dynamic int8 scales activations per batch: batched, a step's embedding would depend on its batchmates
            # (cosine down to 0.98) and its route could flip; one text per run keeps every route reproducible
            batch_size = 1
        order = np.argsort([len(text) for text in texts], kind="stable")  # similar lengths batch with less padding
        chunks = []
        for start in range(0, len(texts), batch_size):
            batch = self.model.tokenizer(
                [texts[i] for i in order[start : start + batch_size]],
                padding=True,
                truncation=True,
                max_length=self.model.max_seq_length,
                return_tensors="np",
            )
            tokens = self.session.run(None, {name: batch[name].astype(np.int64) for name in self.inputs})[0]
            features = {
                "token_embeddings": torch.from_numpy(tokens),
                "attention_mask": torch.from_numpy(batch["attention_mask"]),
            }
            for module in list(self.model)[1:]:  # sentence-transformers' pooling (and normalization) modules
                features = module(features)
            chunks.append(torch.nn.functional.normalize(features["sentence_embedding"], dim=-1).numpy())
        return np.concatenate(chunks)[np.argsort(order)] if chunks else np.empty((0, 0), np.float32)
