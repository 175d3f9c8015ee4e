"""DPO stage: TRL `DPOTrainer` on dpo.jsonl, continuing an SFT adapter; the reference is a frozen copy of it."""

from __future__ import annotations

from typing import Any

from agentft.adapters.registry import adapter_dir
from agentft.core.errors import AgentftError
from agentft.training.common import TrainContext, trainer_kwargs, training_args
from agentft.training.data import dpo_rows, read_rows
from agentft.training.lora import trainable_model


def dpo_trainer(ctx: TrainContext) -> Any:
    from trl import DPOConfig, DPOTrainer

    cfg = ctx.config
    if not cfg.dpo.from_adapter:
        raise AgentftError("stage 'dpo' needs dpo.from_adapter (the SFT adapter to improve)", path="$.dpo")
    start = adapter_dir(cfg.dpo.from_adapter, cfg.registry)
    rows = read_rows(cfg.dataset, "dpo")
    if cfg.dpo.rejection_kinds:
        missing = set(cfg.dpo.rejection_kinds) - {r.get("rejection_kind") for r in rows}
        if missing:  # a misspelt kind would otherwise quietly train on fewer pairs
            raise AgentftError(
                f"no pair in {cfg.dataset}/dpo.jsonl has rejection_kind {', '.join(sorted(missing))}",
                path="$.dpo.rejection_kinds",
            )
        rows = [r for r in rows if r.get("rejection_kind") in cfg.dpo.rejection_kinds]
    rows = rows[: cfg.max_train_examples]
    cut = max(1, len(rows) // 20)  # 5% held out for the validation-loss curve
    args = DPOConfig(
        **training_args(ctx, has_eval=True),
        beta=cfg.dpo.beta,
        loss_type=cfg.dpo.loss_type,
        loss_weights=cfg.dpo.loss_weights,
        max_length=cfg.max_length,
    )
    # With a PeftModel and no ref_model, TRL adds a frozen "ref" copy of the adapter: no second base model.
    model = trainable_model(cfg, ctx.base_path, from_adapter=str(start))
    ctx.report["from_adapter"] = str(start)
    return DPOTrainer(args=args, **trainer_kwargs(ctx, model, dpo_rows(rows[cut:]), dpo_rows(rows[:cut])))
