"""SFT stage: TRL `SFTTrainer` on the dataset's conversations, loss on the assistant turn only."""

from __future__ import annotations

from typing import Any

from agentft.training.common import TrainContext, trainer_kwargs, training_args
from agentft.training.data import read_rows, sft_rows
from agentft.training.lora import trainable_model


def sft_trainer(ctx: TrainContext, rows: list[dict[str, Any]] | None = None) -> Any:
    """`rows` replaces the dataset's train split (sequence distillation trains on the teacher's accepted answers)."""
    from trl import SFTConfig, SFTTrainer

    cfg = ctx.config
    train = rows if rows is not None else read_rows(cfg.dataset, "train", cfg.max_train_examples)
    val = read_rows(cfg.dataset, "val", cfg.eval.limit)
    args = SFTConfig(
        **training_args(ctx, has_eval=True),
        assistant_only_loss=True,
        max_length=cfg.max_length,
        packing=False,
    )
    model = trainable_model(cfg, ctx.base_path)
    return SFTTrainer(args=args, **trainer_kwargs(ctx, model, sft_rows(train), sft_rows(val)))
