"""What every stage shares: the job context and the TrainingArguments common to SFT, DPO and GKD configs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentft.training.config import TrainConfig


@dataclass
class TrainContext:
    config: TrainConfig
    base_path: str
    tokenizer: Any
    run_dir: Path
    callbacks: list[Any] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)  # stage-specific facts for the card (e.g. acceptance rate)

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"


def training_args(ctx: TrainContext, has_eval: bool) -> dict[str, Any]:
    import torch

    cfg = ctx.config
    eval_kwargs: dict[str, Any] = {"eval_strategy": "no"}
    if has_eval:
        eval_kwargs = (
            {"eval_strategy": "steps", "eval_steps": cfg.eval_steps} if cfg.eval_steps else {"eval_strategy": "epoch"}
        )
    return {
        "output_dir": str(ctx.checkpoint_dir),
        "num_train_epochs": cfg.epochs,
        "max_steps": cfg.max_steps,
        "learning_rate": cfg.learning_rate,
        "per_device_train_batch_size": cfg.batch_size,
        "per_device_eval_batch_size": cfg.batch_size,
        "gradient_accumulation_steps": cfg.grad_accum,
        "logging_steps": cfg.logging_steps,
        "save_strategy": "steps",
        "save_steps": cfg.save_steps,
        "save_total_limit": 2,
        "seed": cfg.seed,
        "data_seed": cfg.seed,
        "report_to": "none",
        "disable_tqdm": True,  # rich progress instead
        "use_cpu": not torch.cuda.is_available(),
        "bf16": cfg.dtype == "bfloat16",
        "fp16": cfg.dtype == "float16",
        "gradient_checkpointing": False,
        # the Trainer's own count: TRL's logged num_tokens is missing when a job ends before its first log
        "include_num_input_tokens_seen": "non_padding",
        **eval_kwargs,
    }


def score_labelled_positions_only() -> None:
    """Make TRL's fused LM head (SFT, DPO) score only the positions that carry a label on CPU too.

    TRL projects every position through the vocabulary-sized head where it has no Triton, so that compilers (Neuron)
    see one tile shape per sequence length. Eager CPU compiles nothing, and with the loss on the assistant turn only
    ~15% of positions have a label: the head's forward and backward were ~30% of a step. Scoring the labelled rows
    made SmolLM2-135M steps 1.45x faster on 2 cores (4 steps: 49.6 s vs 34.2 s), with the same loss and gradients
    (tests/test_train.py). A TRL without this switch is left as it is.
    """
    import trl.trainer.utils as trl_utils

    scores_all = getattr(trl_utils, "_use_triton", None)
    if scores_all is None or getattr(scores_all, "labelled_only", False):
        return

    def compact(device: Any) -> bool:
        return device.type == "cpu" or scores_all(device)

    compact.labelled_only = True  # type: ignore[attr-defined]
    trl_utils._use_triton = compact


def trainer_kwargs(
    ctx: TrainContext, model: Any, train_rows: list[dict[str, Any]], val_rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The keyword arguments every TRL trainer here takes alike."""
    from agentft.training.data import to_dataset
    from agentft.training.lora import optimizers

    score_labelled_positions_only()  # TRL's switch is process-wide: set where every stage builds its trainer
    return {
        "model": model,
        "train_dataset": to_dataset(train_rows),
        "eval_dataset": to_dataset(val_rows),
        "processing_class": ctx.tokenizer,
        "callbacks": ctx.callbacks,
        "optimizers": optimizers(ctx.config, model),
    }
