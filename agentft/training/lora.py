"""PEFT setup for each adapter method; PEFT's own switches (`use_dora`, `use_rslora`, LoRA+ optimizer) do the work."""

from __future__ import annotations

from typing import Any

from agentft.core.models import load_model
from agentft.training.config import LoraSettings, TrainConfig


def lora_config(settings: LoraSettings) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=settings.target_modules,
        task_type="CAUSAL_LM",
        use_dora=settings.method == "dora",
        use_rslora=settings.method == "rslora",
    )


def trainable_model(config: TrainConfig, base_path: str, from_adapter: str | None = None) -> Any:
    """The base (optionally 4/8-bit) with a fresh adapter, or with `from_adapter` loaded trainable."""
    from peft import PeftModel, get_peft_model, prepare_model_for_kbit_training

    model = load_model(base_path, config.quantization, config.dtype)
    if config.quantization != "none":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    if from_adapter is not None:
        return PeftModel.from_pretrained(model, from_adapter, is_trainable=True)
    return get_peft_model(model, lora_config(config.lora))


def optimizers(config: TrainConfig, model: Any) -> tuple[Any, Any]:
    """LoRA+ needs its own optimizer (B matrices at a higher lr); every other method uses the trainer's default."""
    if config.lora.method != "loraplus":
        return None, None
    import torch
    from peft.optimizers import create_loraplus_optimizer

    optimizer = create_loraplus_optimizer(
        model,
        optimizer_cls=torch.optim.AdamW,
        lr=config.learning_rate,
        loraplus_lr_ratio=config.lora.loraplus_lr_ratio,
    )
    return optimizer, None
