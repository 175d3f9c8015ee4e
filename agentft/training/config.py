"""`agentft train` configuration: one pydantic model, loaded from YAML, overridden with `--set key.sub=value`.

Unknown keys are errors (a typo in `learning_rate` must not silently train with the default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from agentft.core.config import StrictConfig, load_yaml_model
from agentft.core.models import DEFAULT_BASE
from agentft.evaluation.bfcl import EVAL_MAX_NEW_TOKENS

Stage = Literal["sft", "dpo", "distill"]
Method = Literal["lora", "dora", "rslora", "loraplus"]


class LoraSettings(StrictConfig):
    method: Method = "lora"
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.0, ge=0, lt=1)  # dropout on every LoRA input costs ~15% of a CPU step
    target_modules: str | list[str] = "all-linear"
    loraplus_lr_ratio: float = Field(16.0, gt=0)  # LoRA+: lr(B) = ratio * lr(A)


class DPOSettings(StrictConfig):
    from_adapter: str | None = None  # registry NAME[@vN] or an adapter folder: DPO continues that SFT adapter
    beta: float = Field(0.1, gt=0)
    # TRL loss types, summed with loss_weights (equal weights when unset); [sigmoid, sft] adds the chosen replies'
    # NLL (RPO), which holds the policy near its SFT distribution: pure sigmoid DPO at lr 1e-4 drifted into extra
    # and unparseable calls (bench/README.md, Training)
    loss_type: list[str] = ["sigmoid"]
    loss_weights: list[float] | None = None
    # train only on pairs of these rejection kinds (dpo.jsonl's rejection_kind, e.g. [call_when_irrelevant, no_call]
    # for the call-or-not decision); empty = every pair
    rejection_kinds: list[str] = []

    @field_validator("loss_type", mode="before")
    @classmethod
    def _one_or_several(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _weights_match(self) -> DPOSettings:
        if self.loss_weights is not None and len(self.loss_weights) != len(self.loss_type):
            raise ValueError(
                f"dpo.loss_weights has {len(self.loss_weights)} weights for {len(self.loss_type)} loss types"
            )
        return self


class DistillSettings(StrictConfig):
    kind: Literal["sequence", "logit"] = "sequence"
    teacher: str | None = None  # model folder / alias, or an OpenAI-compatible base URL (http://host:port/v1)
    teacher_model: str | None = None  # model name at that endpoint
    api_key_env: str = "OPENAI_API_KEY"
    samples: int = Field(1, ge=1)  # sequence: teacher samples per query (rejection sampling keeps the valid ones)
    temperature: float = Field(0.0, ge=0)
    paraphrase: bool = False  # sequence: the teacher also rephrases each query (values must survive)
    lmbda: float = Field(0.0, ge=0, le=1)  # logit: fraction of on-policy (student-generated) batches
    beta: float = Field(0.5, ge=0, le=1)  # logit: generalized JSD interpolation (0 = forward KL)


class EvalSettings(StrictConfig):
    splits: list[str] = ["test", "test_ood"]
    bfcl_dir: str | None = None  # e.g. ../shared/bfcl; None skips BFCL
    bfcl_categories: list[str] = ["simple_python", "multiple", "parallel"]
    files: list[str] = []  # more JSONL suites in the dataset format (e.g. irrelevance on held-out tools), by stem
    limit: int | None = Field(50, ge=1)  # examples per split / category; None = all
    max_new_tokens: int = Field(EVAL_MAX_NEW_TOKENS, ge=1)
    batch_size: int = Field(8, ge=1)


class SafetySettings(StrictConfig):
    enabled: bool = True
    suite: str = "datasets/safety/v1/suite.jsonl"
    margin: float = 0.05  # allowed drop vs the base and the previous accepted version
    # also reject when any one category (harmful, injection, pii, benign) drops more than this below the base's: off
    # by default, as no demo adapter would pass it today (bench/README.md, Demo)
    category_margin: float | None = Field(None, ge=0)
    max_new_tokens: int = Field(128, ge=1)


class TrainConfig(StrictConfig):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    base_model: str = DEFAULT_BASE
    dataset: str
    stage: Stage = "sft"
    lora: LoraSettings = LoraSettings()
    quantization: Literal["none", "nf4", "int8"] = "none"
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    epochs: float = Field(1.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(4, ge=1)
    grad_accum: int = Field(1, ge=1)
    max_length: int = Field(1024, ge=16)
    max_train_examples: int | None = Field(None, ge=1)
    seed: int = 0
    logging_steps: int = Field(5, ge=1)
    eval_steps: int | None = Field(None, ge=1)  # validation-loss interval; None = once per epoch
    save_steps: int = Field(50, ge=1)
    output_dir: str | None = None  # checkpoints; default artifacts/runs/NAME
    registry: str = "artifacts/adapters"
    rationale: str = ""  # why this method, rank and placement: goes into the adapter card
    dpo: DPOSettings = DPOSettings()
    distill: DistillSettings = DistillSettings()
    eval: EvalSettings = EvalSettings()
    safety: SafetySettings = SafetySettings()

    @model_validator(mode="after")
    def _stage_needs(self) -> TrainConfig:
        if self.stage == "distill" and not self.distill.teacher:
            raise ValueError("stage 'distill' needs distill.teacher")
        return self

    @property
    def run_dir(self) -> Path:
        return Path(self.output_dir or Path("artifacts") / "runs" / self.name)


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    config: Any = load_yaml_model(TrainConfig, path, overrides or [])
    return config
