"""`agentft bench serve` and `agentft bench router`: measured side by side in one process.

serve: schema-valid rate with and without constraints, per-token cost of each grammar engine against
unconstrained decoding of the same requests, and multi-LoRA throughput of a batch mixing three adapters against
the base alone. router: held-out accuracy and per-step latency once loaded.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agentft.io import iter_jsonl
from agentft.serving.constrained import GRAMMAR_BACKENDS
from agentft.serving.protocol import GenerationRequest, SamplingParams
from agentft.tools import parse_tools
from agentft.validation import reply_schema

DATASETS = ("code_tools", "retrieval_tools", "safety_tools")


def _requests(datasets: Path, per_set: int, max_new_tokens: int, constrained: bool) -> list[GenerationRequest]:
    out = []
    for name in DATASETS:
        rows = [r for r in iter_jsonl(datasets / name / "test.jsonl") if r["kind"] != "irrelevance"][:per_set]
        for row in rows:
            schema = reply_schema(parse_tools(row["tools"]), allow_answer=False) if constrained else None
            out.append(
                GenerationRequest(row["messages"][:-1], row["tools"], None, schema, SamplingParams(max_new_tokens))
            )
    return out


def _timed(backend: Any, requests: list[GenerationRequest]) -> dict[str, Any]:
    started = time.perf_counter()
    completions = backend.generate(requests)
    seconds = time.perf_counter() - started
    tokens = sum(c.new_tokens for c in completions)
    return {
        "seconds": round(seconds, 3),
        "new_tokens": tokens,
        "ms_per_token": 1000 * seconds / max(tokens, 1),
        "valid_call_rate": sum(bool(c.calls) and c.valid for c in completions) / len(completions),
    }


def _mixed(requests: list[GenerationRequest], names: list[str | None]) -> list[GenerationRequest]:
    return [
        GenerationRequest(r.messages, r.tools, names[i % len(names)], r.schema, r.sampling)
        for i, r in enumerate(requests)
    ]


def bench_vllm(
    path: str, adapters: dict[str, Path], free: list[GenerationRequest], constrained: list[GenerationRequest]
) -> dict[str, Any]:
    """The same requests on vLLM's offline engine: constrained validity and overhead, mixed adapters vs base."""
    from agentft.serving.vllm_backend import VLLMBackend

    backend = VLLMBackend.load(path, adapters, max_string_length=64)
    _timed(backend, free[:2])  # warm-up
    result: dict[str, Any] = {"unconstrained": _timed(backend, free)}
    run = _timed(backend, constrained)
    run["overhead_per_token"] = run["ms_per_token"] / result["unconstrained"]["ms_per_token"] - 1
    result["constrained"] = {"llguidance": run}
    base_run = _timed(backend, free)
    mixed_run = _timed(backend, _mixed(free, list(adapters)))
    result["multi_lora"] = {
        "base_only": base_run,
        "three_adapters_mixed": mixed_run,
        "throughput_ratio": base_run["ms_per_token"] / mixed_run["ms_per_token"],
    }
    return result


def bench_serve(datasets: Path, base: str = "smollm2", per_set: int = 4, max_new_tokens: int = 96) -> dict[str, Any]:
    import torch
    from peft import LoraConfig, get_peft_model

    from agentft.models import load_model, load_tokenizer, resolve_base_model
    from agentft.serving.embedded import EmbeddedBackend

    path = resolve_base_model(base)
    tokenizer = load_tokenizer(path)
    model = load_model(path)
    backend = EmbeddedBackend(model, tokenizer, batch_size=4, max_string_length=64)
    results: dict[str, Any] = {"base_model": base, "requests": per_set * len(DATASETS)}
    free = _requests(datasets, per_set, max_new_tokens, constrained=False)
    _timed(backend, free[:2])  # warm-up
    results["unconstrained"] = _timed(backend, free)
    results["constrained"] = {}
    for grammar in GRAMMAR_BACKENDS:
        backend.grammar = grammar
        run = _timed(backend, _requests(datasets, per_set, max_new_tokens, constrained=True))
        run["overhead_per_token"] = run["ms_per_token"] / results["unconstrained"]["ms_per_token"] - 1
        results["constrained"][grammar] = run
    backend.grammar = "llguidance"
    # multi-LoRA: three adapters mixed row by row in one batch vs the base alone, same requests, same lengths
    torch.manual_seed(0)
    peft_model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"), adapter_name="code")
    for name in ("retrieval", "safety"):
        peft_model.add_adapter(name, LoraConfig(r=16, target_modules="all-linear"))
    peft_model.eval()  # get_peft_model leaves the model in training mode; PEFT mixes adapters only in eval
    lora_backend = EmbeddedBackend(peft_model, tokenizer, batch_size=len(free))
    fixed = [GenerationRequest(r.messages, r.tools, None, None, SamplingParams(max_new_tokens)) for r in free]
    base_run = _timed(lora_backend, fixed)
    names = ["code", "retrieval", "safety"]
    mixed_run = _timed(lora_backend, _mixed(fixed, names))

    def one_token(adapter: str) -> float:
        request = GenerationRequest(free[0].messages, free[0].tools, adapter, None, SamplingParams(1))
        started = time.perf_counter()
        lora_backend.generate([request])
        return time.perf_counter() - started

    one_token("code")
    same = min(one_token("code") for _ in range(3))
    switched = min(one_token(name) for name in ("safety", "retrieval", "code"))
    results["multi_lora"] = {
        "base_only": base_run,
        "three_adapters_mixed": mixed_run,
        "throughput_ratio": base_run["ms_per_token"] / mixed_run["ms_per_token"],
        "adapter_switch_ms": max(0.0, 1000 * (switched - same)),
    }
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        import tempfile

        del lora_backend, backend
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:  # vLLM loads adapters from disk; B is random so the LoRA path does real work
                for module in peft_model.modules():
                    if hasattr(module, "lora_B") and name in module.lora_B:
                        torch.nn.init.normal_(module.lora_B[name].weight, std=0.01)
            peft_model.save_pretrained(tmp)
            folders = {n: Path(tmp) / n for n in names}  # PEFT saves each named adapter in its own folder
            constrained = _requests(datasets, per_set, max_new_tokens, constrained=True)
            results["vllm"] = bench_vllm(path, folders, free, constrained)
    return results


def bench_router(config: Path, eval_steps: Path) -> dict[str, Any]:
    from agentft.router.router_config import load_router_config
    from agentft.router.router_trainer import evaluate_router, load_steps, train_router

    started = time.perf_counter()
    router = train_router(load_router_config(config), log=lambda _: None)
    train_s = time.perf_counter() - started
    report = evaluate_router(router, load_steps(eval_steps), latency_samples=300)
    return {
        "train_seconds": round(train_s, 2),
        "training_steps": router.info["steps"],
        "held_out": {k: report[k] for k in ("n", "accuracy", "fallbacks", "per_class", "confusion", "latency_ms")},
        "goal": {"accuracy": 0.99, "p50_ms": 2.0},
    }
