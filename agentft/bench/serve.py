"""`agentft bench serve`: measured side by side in one process.

Per backend (embedded, vLLM): schema-valid rate with and without constraints, per-token cost of each grammar
engine against unconstrained decoding of the same requests, multi-LoRA throughput of a batch mixing three adapters
against the base alone, adapter switch latency, and the OpenAI endpoint with routing (`auto`) vs a named adapter.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path
from typing import Any

from agentft.core.io import iter_jsonl
from agentft.core.models import DEFAULT_BASE
from agentft.core.tools import SKILL_TOOLS, parse_tools
from agentft.core.validation import reply_schema
from agentft.serving.constrained import GRAMMAR_BACKENDS
from agentft.serving.protocol import GenerationRequest, SamplingParams


def _requests(datasets: Path, per_set: int, max_new_tokens: int, constrained: bool) -> list[GenerationRequest]:
    out = []
    for name in (Path(n).stem for n in SKILL_TOOLS.values()):
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
        "requests": len(requests),
        "seconds": round(seconds, 3),
        "new_tokens": tokens,
        "ms_per_token": 1000 * seconds / max(tokens, 1),
        "valid_call_rate": sum(bool(c.calls) and c.valid for c in completions) / len(completions),
    }


def _mixed(requests: list[GenerationRequest], names: list[str | None]) -> list[GenerationRequest]:
    return [dataclasses.replace(r, adapter=names[i % len(names)]) for i, r in enumerate(requests)]


def _one_token(requests: list[GenerationRequest]) -> list[GenerationRequest]:
    return [dataclasses.replace(r, sampling=SamplingParams(1)) for r in requests]


def _decode_rate(run: dict[str, Any], prefill_seconds: float) -> dict[str, Any]:
    """Decode time per token after the first; None when timing noise swallows it (a run no slower than its prefill)."""
    decoded = run["new_tokens"] - run["requests"]  # each row's first token comes out of the prefill
    decode_seconds = run["seconds"] - prefill_seconds
    decode_ms = 1000 * decode_seconds / decoded if decoded > 0 and decode_seconds > 0 else None
    return {**run, "prefill_seconds": round(prefill_seconds, 3), "decode_ms_per_token": decode_ms}


def _overhead(run: dict[str, Any], reference: dict[str, Any]) -> float | None:
    if run["decode_ms_per_token"] is None or reference["decode_ms_per_token"] is None:
        return None
    return run["decode_ms_per_token"] / reference["decode_ms_per_token"] - 1


def _random_adapters(path: str, folder: Path, names: list[str]) -> dict[str, Path]:
    """Rank-16 adapters on every linear layer with random (non-zero) weights, saved as trained ones are."""
    import torch
    from peft import LoraConfig, get_peft_model

    from agentft.core.models import load_model

    folders = {}
    for seed, name in enumerate(names):
        torch.manual_seed(seed)
        config = LoraConfig(r=16, target_modules="all-linear", init_lora_weights=False)
        model = get_peft_model(load_model(path), config)
        folders[name] = folder / name
        model.save_pretrained(folders[name])
    return folders


def bench_backend(
    backend: Any, grammars: tuple[str, ...], free: list[GenerationRequest], constrained: list[GenerationRequest]
) -> dict[str, Any]:
    """One backend, everything measured in the same process after a warm-up of the base and every adapter."""
    names = list(backend.adapters)
    # full-size warm-up of both batch shapes: first runs pay for allocation, compilation and adapter loading
    backend.generate(free)
    backend.generate(_mixed(free, names))
    # Constrained replies stop at the end of their JSON (about half as many tokens), so whole-run ms/token would
    # charge the shared prefill to fewer tokens; decode time is a run minus the same batch's one-token (prefill) run,
    # per generated token after the first. Where the backend times its grammar masks (embedded), the overhead is mask
    # time over the rest of the same run: free of the run-to-run noise and the length effects of comparing runs.
    prefill = _timed(backend, _one_token(free))["seconds"]
    result: dict[str, Any] = {"unconstrained": _decode_rate(_timed(backend, free), prefill), "constrained": {}}
    for grammar in grammars:
        backend.grammar = grammar
        prefill = _timed(backend, _one_token(constrained))["seconds"]  # first: also builds and caches the grammars
        mask_before = getattr(backend, "mask_seconds", None)
        run = _decode_rate(_timed(backend, constrained), prefill)
        if mask_before is None:
            run["overhead_per_token"] = _overhead(run, result["unconstrained"])
            run["overhead_method"] = "decode ms/token vs the unconstrained run"
        else:
            mask = backend.mask_seconds - mask_before
            model_decode = run["seconds"] - prefill - mask  # decode steps' time minus their masks
            run["mask_seconds"] = round(mask, 3)
            run["overhead_per_token"] = mask / model_decode if model_decode > 0 else None
            run["overhead_method"] = "grammar mask time / model decode time, same run"
        result["constrained"][grammar] = run
    backend.grammar = grammars[0]
    mixed_run = _timed(backend, _mixed(free, names))
    base_run = _timed(backend, free)  # measured again, after the mixed run: order effects show as a difference

    def one_token(adapter: str) -> float:
        request = GenerationRequest(free[0].messages, free[0].tools, adapter, None, SamplingParams(1))
        started = time.perf_counter()
        backend.generate([request])
        return time.perf_counter() - started

    # median of three rounds: each call after the first of a round runs a different adapter than the call before
    same = statistics.median(one_token(names[0]) for _ in range(3))
    switched = statistics.median(one_token(name) for _ in range(3) for name in names)
    result["multi_lora"] = {
        "base_only": base_run,
        "three_adapters_mixed": mixed_run,
        "throughput_ratio": base_run["ms_per_token"] / mixed_run["ms_per_token"],
        "adapter_switch_ms": max(0.0, 1000 * (switched - same)),
    }
    return result


def bench_serve(
    datasets: Path,
    base: str = DEFAULT_BASE,
    per_set: int = 4,
    max_new_tokens: int = 96,
    backends: tuple[str, ...] = ("embedded", "vllm"),
) -> dict[str, Any]:
    """Each backend over the same requests and the same three random adapters; vLLM only where installed."""
    import gc
    import importlib.util
    import tempfile

    from agentft.core.models import resolve_base_model
    from agentft.serving import load_backend

    path = resolve_base_model(base)
    router = _quick_router()
    free = _requests(datasets, per_set, max_new_tokens, constrained=False)
    constrained = _requests(datasets, per_set, max_new_tokens, constrained=True)
    results: dict[str, Any] = {"base_model": base, "requests": len(free), "max_new_tokens": max_new_tokens}
    with tempfile.TemporaryDirectory() as tmp:
        folders = _random_adapters(path, Path(tmp), ["code", "retrieval", "safety"])
        for kind in backends:
            if kind == "vllm" and importlib.util.find_spec("vllm") is None:
                continue
            options = {"batch_size": len(free)} if kind == "embedded" else {}
            backend = load_backend(kind, path, folders, max_string_length=64, **options)
            grammars = GRAMMAR_BACKENDS if kind == "embedded" else ("llguidance",)
            results[kind] = bench_backend(backend, grammars, free, constrained)
            results[kind]["routing_front"] = bench_front(backend, list(folders), router, free)
            del backend
            gc.collect()
    return results


def _quick_router() -> Any:
    """The config's router on its templated steps with the encoder frozen (seconds): what `auto` costs to route does
    not depend on how well it was tuned."""
    from agentft.router.config import load_router_config
    from agentft.router.trainer import train_router

    overrides = ["data.steps=[router/train/steps.jsonl]", "data.datasets={}", "finetune=null"]
    return train_router(load_router_config("router/config.yaml", overrides), log=lambda _: None)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_front(backend: Any, adapters: list[str], router: Any, requests: list[GenerationRequest]) -> dict[str, Any]:
    """`agentft serve`'s OpenAI endpoint over HTTP on 127.0.0.1: model `auto` (routed) vs naming, in the request, the
    adapter the router picks for it, so both generate the same tokens and the difference is what routing costs.
    Interleaved request by request so drift hits both alike, then all requests at once for requests/s."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from agentft.serving.openai_server import BASE, RoutedServer, running

    route_ms, picked = [], []
    for r in requests:
        started = time.perf_counter()
        choice = router.route(r.messages).adapter
        route_ms.append(1000 * (time.perf_counter() - started))
        picked.append(choice if choice in adapters else BASE)

    def body(model: str, r: GenerationRequest) -> dict[str, Any]:
        return {"model": model, "messages": r.messages, "tools": r.tools, "max_tokens": r.sampling.max_new_tokens}

    bodies = {
        "auto": [body("auto", r) for r in requests],
        "named": [body(name, r) for name, r in zip(picked, requests, strict=True)],
    }

    def post(payload: dict[str, Any]) -> tuple[float, int]:
        started = time.perf_counter()
        reply = httpx.post(url, json=payload, timeout=600)
        reply.raise_for_status()
        return time.perf_counter() - started, reply.json()["usage"]["completion_tokens"]

    with running(RoutedServer(backend, adapters, router)) as base:
        url = f"{base}/v1/chat/completions"
        post(bodies["auto"][0])  # warm-up: first-use costs (ONNX session, grammar compile) are not routing
        latency: dict[str, list[float]] = {kind: [] for kind in bodies}
        tokens: dict[str, list[int]] = {kind: [] for kind in bodies}
        for i in range(len(requests)):
            for kind in list(bodies) if i % 2 == 0 else list(bodies)[::-1]:
                seconds, new_tokens = post(bodies[kind][i])
                latency[kind].append(seconds)
                tokens[kind].append(new_tokens)
        throughput = {}
        for kind, batch in bodies.items():
            started = time.perf_counter()
            with ThreadPoolExecutor(len(batch)) as pool:
                list(pool.map(post, batch))
            throughput[kind] = len(batch) / (time.perf_counter() - started)
    rows = {
        kind: {
            "p50_s": round(statistics.median(values), 4),
            "p95_s": round(_percentile(values, 0.95), 4),
            "requests_per_s": round(throughput[kind], 3),
            "completion_tokens": sum(tokens[kind]),
        }
        for kind, values in latency.items()
    }
    return {
        **rows,
        "requests": len(requests),
        "adapters_picked": {name: picked.count(name) for name in sorted(set(picked))},
        "router_ms_p50": round(statistics.median(route_ms), 3),
        "overhead_p50": round(rows["auto"]["p50_s"] / rows["named"]["p50_s"] - 1, 4),
        # per request, auto over named: the two sides' generations differ only where the backend is not deterministic
        "paired_overhead_p50": round(statistics.median(a / n for a, n in zip(*latency.values(), strict=True)) - 1, 4),
        "same_length_replies": sum(a == n for a, n in zip(*tokens.values(), strict=True)),
        "throughput_ratio": round(throughput["auto"] / throughput["named"], 4),
    }


# Router variants trained and scored side by side: the config as written, its encoder left frozen (what tuning buys),
# and static embeddings distilled from it. The config's router is also run on PyTorch (what ONNX Runtime buys).
