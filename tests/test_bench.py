"""Benchmark plumbing: the figures' arithmetic and how records are collected (the benchmarks themselves run for
minutes; `make bench` runs them)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT, run_cli


def test_decode_rate_reports_unmeasurable_runs_as_none():
    from agentft.bench.report import summary_markdown
    from agentft.bench.serve import _decode_rate, _overhead

    run = {"seconds": 0.5, "new_tokens": 12, "requests": 2}
    measured = _decode_rate(run, prefill_seconds=0.3)
    assert measured["decode_ms_per_token"] == pytest.approx(20.0)  # 200 ms over 10 tokens after the first ones
    noisy = _decode_rate({**run, "seconds": 0.2}, prefill_seconds=0.3)  # timing noise: run faster than its prefill
    assert noisy["decode_ms_per_token"] is None
    assert _overhead(measured, noisy) is None and _overhead(noisy, measured) is None
    assert _overhead(_decode_rate({**run, "seconds": 0.7}, 0.3), measured) == pytest.approx(1.0)
    multi = {"throughput_ratio": 1.0, "adapter_switch_ms": 0.0}
    serve = {
        "embedded": {
            "unconstrained": {**noisy, "valid_call_rate": 0.0},
            "multi_lora": multi,
            "constrained": {"llguidance": {**measured, "valid_call_rate": 1.0, "overhead_per_token": None}},
        }
    }
    assert "| embedded | llguidance | 100% | 20.0 | n/a |" in summary_markdown({"serve": serve})


def test_training_summary_shows_the_constrained_decoding_where_it_was_measured():
    from agentft.bench.report import summary_markdown

    record = json.loads((ROOT / "bench" / "train.json").read_text())["train"]
    acc = record["accuracy"]["bfcl:parallel"]
    markdown = summary_markdown({"train": record})
    row = f"| bfcl:parallel | {acc['n']} | {acc['base']:.1%} | {acc['adapter']:.1%} | {acc['delta_points']:+.1f} |"
    assert f"{row} {acc['base_constrained']:.1%} | {acc['adapter_constrained']:.1%} |" in markdown
    for entry in record["accuracy"].values():  # a record of free decoding only keeps five columns
        for key in ("base_constrained", "adapter_constrained", "adapter_constrained_errors"):
            entry.pop(key, None)
    assert f"{row}\n" in summary_markdown({"train": record})


def test_bench_summary_collects_the_records(tmp_path):
    """Each record in bench/ (as `agentft bench NAME` writes it) lands in results.json and results.md unchanged."""
    for name in ("router", "serve"):
        shutil.copy(ROOT / "bench" / f"{name}.json", tmp_path / f"{name}.json")
    done = run_cli("bench", "summary", "--folder", tmp_path, "-o", tmp_path / "results.json")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    router = json.loads((ROOT / "bench" / "router.json").read_text())
    assert results["router"] == router["router"] and results["machines"]["router"] == router["machine"]
    assert set(results) == {"machines", "router", "serve"}
    markdown = (tmp_path / "results.md").read_text()
    assert "## router" in markdown and "## serving" in markdown and "## dataset" not in markdown
    for encoder in router["router"]["encoders"]:
        assert f"| {encoder} |" in markdown
    empty = run_cli("bench", "summary", "--folder", tmp_path / "none", "-o", tmp_path / "x.json")
    assert empty.returncode == 2 and "no benchmark records" in empty.stderr and "Traceback" not in empty.stderr


@pytest.mark.slow
def test_router_benchmark_scores_each_variant_the_config_on_pytorch_and_another_seed(tmp_path, monkeypatch):
    """The config's router is trained once and scored on ONNX Runtime and, with the same weights, on PyTorch; the
    frozen variant beside it; each held-out file gets its own accuracy, and latency is measured. With two seeds the
    config's router is trained once more with seed 1 and both runs are reported."""
    pytest.importorskip("sentence_transformers")
    from agentft.bench.router import bench_router

    monkeypatch.setenv("AGENTFT_CACHE", str(tmp_path / "cache"))  # tuned weights export a graph of their own
    steps = tmp_path / "steps.jsonl"
    steps.write_text("".join((ROOT / "router" / "train" / "steps.jsonl").read_text().splitlines(keepends=True)[::10]))
    config = tmp_path / "router.yaml"
    config.write_text(
        f"encoder: {{runtime: onnx-int8}}\ndata: {{steps: [{steps}], datasets: {{}}}}\nfinetune: {{epochs: 1}}\n"
    )
    held_out = [
        ROOT / "router" / "held_out" / "eval_steps.jsonl",
        ROOT / "router" / "held_out" / "sealed6_steps.jsonl",
    ]
    result = bench_router(config, held_out, ("config", "frozen"), seeds=2)
    model = "sentence-transformers:all-MiniLM-L6-v2"
    tuned, on_torch, frozen = (f"{model} tuned (onnx-int8)", f"{model} tuned (torch)", f"{model} (onnx-int8)")
    assert list(result["encoders"]) == [tuned, on_torch, frozen]
    for run in result["encoders"].values():
        assert set(run["accuracy_per_file"]) == {"eval_steps", "sealed6_steps"} and run["n"] == 117 + 78
        assert run["accuracy"] > 0.7 and 0 < run["latency_ms"]["single_p50"] <= run["latency_ms"]["single_p95"]
    runs = result["encoders"]
    assert abs(runs[tuned]["accuracy"] - runs[on_torch]["accuracy"]) <= 0.02  # same weights, int8 vs fp32
    assert runs[on_torch]["train_seconds"] == runs[tuned]["train_seconds"]  # scored again, not trained again
    spread = result["seeds"]  # the config's router trained again with the next seed; seed 0 is the run above
    assert spread["encoder"] == tuned and [run["seed"] for run in spread["runs"]] == [0, 1]
    assert spread["runs"][0]["accuracy_per_file"] == runs[tuned]["accuracy_per_file"]
    accuracies = [run["accuracy"] for run in spread["runs"]]
    assert spread["accuracy_min"] == min(accuracies) <= spread["accuracy_mean"] <= max(accuracies)
