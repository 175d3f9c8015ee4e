"""Benchmark plumbing: the figures' arithmetic and how records are collected (the benchmarks themselves run for
minutes; `make bench` runs them)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT, run_cli


def test_decode_rate_reports_unmeasurable_runs_as_none():
    from agentft.bench import summary_markdown
    from agentft.bench_serve import _decode_rate, _overhead

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
