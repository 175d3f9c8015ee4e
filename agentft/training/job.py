"""One training job end to end: stage trainer → adapter → curves → evaluation vs base → card → registry."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from agentft import __version__
from agentft.adapters.registry import ADAPTER_NAME, AdapterEntry, AdapterRegistry
from agentft.core.errors import AgentftError
from agentft.core.io import git_commit, sha256_file, write_json_atomic, write_text_atomic
from agentft.training.callbacks import MetricsWriter, plot_losses, read_metrics
from agentft.training.common import TrainContext
from agentft.training.config import TrainConfig
from agentft.training.data import split_path
from agentft.training.distill_trainer import distill_trainer
from agentft.training.dpo_trainer import dpo_trainer
from agentft.training.sft_trainer import sft_trainer

STAGES: dict[str, Callable[[TrainContext], Any]] = {
    "sft": sft_trainer,
    "dpo": dpo_trainer,
    "distill": distill_trainer,
}


def _last_checkpoint(folder: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def _throughput(tokens: int, seconds: float) -> dict[str, Any]:
    return {"train_seconds": round(seconds, 2), "train_tokens": int(tokens), "tokens_per_s": tokens / seconds}


def evaluate_adapter(ctx: TrainContext, model: Any) -> dict[str, Any]:
    """Base (adapter disabled) vs the new adapter on the dataset's held-out splits and BFCL, one loaded model."""
    from agentft.evaluation.suites import BASE_LABEL, build_suites, evaluate
    from agentft.serving.embedded import EmbeddedBackend

    settings = ctx.config.eval
    if not settings.splits and not settings.bfcl_dir and not settings.files:
        return {}
    suites = build_suites(
        ctx.config.dataset,
        settings.splits,
        settings.bfcl_dir,
        settings.bfcl_categories,
        settings.limit,
        settings.max_new_tokens,
        settings.files,
    )
    model.eval()
    backend = EmbeddedBackend(model, ctx.tokenizer, batch_size=settings.batch_size)
    registry = AdapterRegistry(ctx.config.registry)
    base = {}
    for suite, cases in suites.items():  # e.g. the same BFCL cases for every adapter trained on this base
        key = f"eval|{ctx.base_path}|{settings.batch_size}|{hashlib.sha256(repr(cases).encode()).hexdigest()}"
        base[suite] = registry.base_result(
            key, lambda suite=suite, cases=cases: evaluate(backend, {suite: cases}, [None])[BASE_LABEL][suite]
        )
    return {BASE_LABEL: base, **evaluate(backend, suites, [ADAPTER_NAME])}


def adapter_card(config: TrainConfig, info: dict[str, Any]) -> str:
    lines = [
        f"# {config.name} — agentft {config.stage} adapter",
        "",
        f"LoRA-family adapter ({config.lora.method}, r={config.lora.r}, alpha={config.lora.alpha}, "
        f"targets={config.lora.target_modules}, quantization={config.quantization}) over `{info['base_model']}`.",
        "",
        "## Why this method, rank and placement",
        "",
        config.rationale or "_No rationale given (set `rationale:` in the config)._",
        "",
        "## Lineage",
        "",
        f"- base model: `{info['base_model']}`",
        f"- dataset: `{config.dataset}` (manifest sha256 `{info.get('dataset_manifest_sha256')}`)",
        f"- agentft {__version__}, git commit `{info.get('git_commit')}`",
        f"- stage: {config.stage}; seed {config.seed}",
    ]
    for key, value in info.get("report", {}).items():
        lines.append(f"- {key}: `{json.dumps(value)}`")
    lines += ["", "## Training", ""]
    for key, value in info["training"].items():
        lines.append(f"- {key}: {value}")
    lines += ["", "Loss curves: `loss.png` (train vs validation; curves parting means overfitting).", ""]
    evaluation = info.get("eval") or {}
    if evaluation:
        suites = list(next(iter(evaluation.values())))
        lines += ["## Evaluation (accuracy, base vs adapter)", "", "| suite | n | " + " | ".join(evaluation) + " |"]
        lines.append("|---|---|" + "---|" * len(evaluation))
        for suite in suites:
            n = next(iter(evaluation.values()))[suite]["n"]
            cells = " | ".join(f"{evaluation[label][suite]['accuracy']:.3f}" for label in evaluation)
            lines.append(f"| {suite} | {n} | {cells} |")
        lines.append("")
    if "safety" in info:
        lines += ["## Safety gate", "", f"```json\n{json.dumps(info['safety'], indent=2)}\n```", ""]
    lines += ["## Config", "", "```yaml", yaml.safe_dump(config.model_dump(), sort_keys=False).rstrip(), "```", ""]
    return "\n".join(lines)


def run_job(
    config: TrainConfig,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    post_train: Callable[[TrainContext, Any, dict[str, Any]], None] | None = None,
) -> AdapterEntry:
    """Train, evaluate and register one adapter; `post_train` (the safety gate) may add to the entry's info."""
    from agentft.core.models import keep_freed_memory

    split_path(config.dataset, "dpo" if config.stage == "dpo" else "train")  # fail before loading any model
    # Not for DPO: with mmap off, its heap grew from 10 to 21.5 GB in 12 steps (chosen/rejected batches of ever new
    # shapes fragment it) and the kernel killed `bench train`; with malloc's defaults it stayed near 10 GB.
    keep = keep_freed_memory() if config.stage != "dpo" else contextlib.nullcontext(False)
    with keep:  # the model and trainer are gone once _train_and_register returns
        return _train_and_register(config, resume, log, post_train)


def _train_and_register(
    config: TrainConfig,
    resume: bool,
    log: Callable[[str], None],
    post_train: Callable[[TrainContext, Any, dict[str, Any]], None] | None,
) -> AdapterEntry:
    from trl.trainer.callbacks import RichProgressCallback

    from agentft.core.models import dtype_is_emulated, load_tokenizer, resolve_base_model

    run_dir = config.run_dir
    if not resume and run_dir.exists():
        shutil.rmtree(run_dir)  # a fresh job; --resume keeps the checkpoints
    run_dir.mkdir(parents=True, exist_ok=True)
    base_path = resolve_base_model(config.base_model)
    tokenizer = load_tokenizer(base_path)
    metrics_path = run_dir / "metrics.jsonl"
    ctx = TrainContext(config, base_path, tokenizer, run_dir, [MetricsWriter(metrics_path), RichProgressCallback()])
    log(f"{config.name}: {config.stage} on {config.base_model} ({config.lora.method}, r={config.lora.r})")
    if dtype_is_emulated(config.dtype):
        log(
            f"warning: this CPU has no native {config.dtype} (AVX512-BF16 / AMX): training runs many times slower "
            "than with dtype=float32"
        )
    trainer = STAGES[config.stage](ctx)
    checkpoint = _last_checkpoint(ctx.checkpoint_dir) if resume else None
    if resume and checkpoint is None:
        log(f"{config.name}: no checkpoint under {ctx.checkpoint_dir}; starting from scratch")
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    seconds = time.perf_counter() - started

    job_dir = run_dir / "job"
    if job_dir.exists():
        shutil.rmtree(job_dir)
    model = trainer.model
    model.save_pretrained(str(job_dir / "adapter"), safe_serialization=True)
    tokenizer.save_pretrained(str(job_dir / "adapter"))
    records = read_metrics(metrics_path)
    shutil.copy(metrics_path, job_dir / "metrics.jsonl")
    plot_losses(records, job_dir / "loss.png", f"{config.name} ({config.stage})")
    log(f"{config.name}: trained in {seconds:.1f}s; evaluating base vs adapter")
    started = time.perf_counter()
    evaluation = evaluate_adapter(ctx, model)
    timing = {"train": seconds, "eval": time.perf_counter() - started}
    manifest = Path(config.dataset) / "manifest.json"
    info: dict[str, Any] = {
        "status": "ok",
        "stage": config.stage,
        "base_model": config.base_model,
        "base_path": base_path,
        "dataset": config.dataset,
        "dataset_manifest_sha256": sha256_file(manifest) if manifest.is_file() else None,
        "git_commit": git_commit(),
        "agentft_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training": {**_throughput(trainer.state.num_input_tokens_seen, seconds), "steps": trainer.state.global_step},
        "report": ctx.report,
        "eval": evaluation,
    }
    if post_train is not None:
        started = time.perf_counter()
        post_train(ctx, model, info)
        timing["checks"] = time.perf_counter() - started
    write_json_atomic(job_dir / "eval.json", evaluation)
    write_text_atomic(job_dir / "config.yaml", yaml.safe_dump(config.model_dump(), sort_keys=False))
    write_text_atomic(job_dir / "README.md", adapter_card(config, info))
    entry = AdapterRegistry(config.registry).register(config.name, job_dir, info)
    spent = ", ".join(f"{stage} {s:.0f} s" for stage, s in timing.items())
    log(f"{config.name}: registered {entry.ref} at {entry.path} (status: {entry.status}; {spent})")
    if entry.status == "rejected":
        raise AgentftError(f"{entry.ref} rejected by the safety gate: {info.get('safety', {}).get('reason')}")
    return entry
