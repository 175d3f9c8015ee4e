"""`agentft bench train` must never train on what it evaluates: the tool split it trains and tests on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentft.adapters.merge import export_merged
from agentft.bench.train import (
    IRRELEVANCE_SUITE,
    bfcl_categories,
    build_irrelevance_suite,
    check_irrelevance_suite,
    evaluated_functions,
    run_eval,
    split_tools,
)
from agentft.core.errors import AgentftError
from agentft.core.tools import load_tools
from tests.conftest import run_cli

# the tests' excerpt holds live_simple, whose functions are among the BFCL-style tools agentft trains on
FOLDERS = [p for p in (Path("tests/data/bfcl"), Path("../shared/bfcl")) if p.is_dir()]


def _names(path: Path) -> set[str]:
    return {t["function"]["name"] for t in json.loads(path.read_text())}


@pytest.mark.parametrize("bfcl", FOLDERS, ids=str)
def test_no_evaluated_bfcl_function_is_trained_on_and_held_out_tools_stay_out(tmp_path: Path, bfcl: Path) -> None:
    evaluated = evaluated_functions(bfcl, bfcl_categories(bfcl))
    train, held_out = split_tools(Path("schemas"), tmp_path, evaluated)
    trained, held = _names(train), _names(held_out)
    assert not trained & evaluated
    assert not held & evaluated
    assert not trained & held
    assert len(held) >= 100  # the irrelevance suite asks for 100 held-out tools
    (tmp_path / "again").mkdir()
    again, _ = split_tools(Path("schemas"), tmp_path / "again", evaluated)  # seeded: every run holds out the same
    assert _names(again) == trained


@pytest.mark.parametrize("bfcl", FOLDERS, ids=str)
def test_the_frozen_irrelevance_suite_is_checked_against_the_split(tmp_path: Path, bfcl: Path) -> None:
    """Built on the full BFCL folder's split, where it offers only held-out tools; the excerpt's split trains some."""
    train, held_out = split_tools(Path("schemas"), tmp_path, evaluated_functions(bfcl, bfcl_categories(bfcl)))
    rows = [json.loads(line) for line in IRRELEVANCE_SUITE.read_text().splitlines()]
    assert len(rows) == 100 and {row["kind"] for row in rows} == {"irrelevance"}
    assert not any(m.get("tool_calls") for row in rows for m in row["messages"])
    offered = {t["function"]["name"] for row in rows for t in row["tools"]}
    if offered <= _names(held_out):
        check_irrelevance_suite(IRRELEVANCE_SUITE, train)
    else:
        assert bfcl == Path("tests/data/bfcl")
        with pytest.raises(AgentftError, match="irrelevance suite offers .* tools this BFCL folder's split trains on"):
            check_irrelevance_suite(IRRELEVANCE_SUITE, train)
    build_irrelevance_suite(held_out, tmp_path / "again.jsonl", n=6)  # how it was written, and can be again
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    assert len(again) == 6 and {t["function"]["name"] for row in again for t in row["tools"]} <= _names(held_out)


def test_the_excerpt_does_offer_functions_that_the_bfcl_style_tools_hold() -> None:
    """What makes the exclusion above necessary (were it not, the test above could not fail)."""
    bfcl = Path("tests/data/bfcl")
    bfcl_style = {t.name for t in load_tools(Path("schemas/bfcl_style_tools.jsonl"), repairs=[])}
    assert evaluated_functions(bfcl, bfcl_categories(bfcl)) & bfcl_style


def test_the_merged_adapter_is_decoded_like_the_base(tiny_model: Path, tiny_adapters: dict, tmp_path: Path) -> None:
    """bench train's evaluation path: PEFT's merge folded into the weights, then `agentft eval` on each model."""
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    merged = tmp_path / "merged"
    export_merged(str(tiny_model), tiny_adapters["a"], merged, "bfloat16")
    weights = load_file(merged / "model.safetensors")
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    expected = PeftModel.from_pretrained(base, str(tiny_adapters["a"])).merge_and_unload().state_dict()
    name = "model.layers.0.mlp.down_proj.weight"
    assert weights[name].dtype == torch.bfloat16
    assert torch.allclose(weights[name].float(), expected[name], atol=2e-2)
    assert not torch.allclose(weights[name].float(), load_file(tiny_model / "model.safetensors")[name], atol=1e-3)

    suites = ["--bfcl=tests/data/bfcl", "--categories=simple_python", "--dataset=datasets/code_tools", "--split=test"]
    suites += ["--limit=2", "--max-new-tokens=8"]
    scores = [run_eval("embedded", str(m), suites, tmp_path / f"{i}.json") for i, m in enumerate((tiny_model, merged))]
    cases = tmp_path / "adapter_constrained.jsonl"  # bench train --outputs: every reply and verdict, per model
    scores.append(
        run_eval("embedded", str(merged), suites, tmp_path / "calls.json", constrain_calls=True, outputs=cases)
    )
    for result in scores:
        assert {suite: s["n"] for suite, s in result.items()} == {"test": 2, "bfcl:simple_python": 2}
    records = [json.loads(line) for line in cases.read_text().splitlines()]
    assert sorted(r["suite"] for r in records) == ["bfcl:simple_python"] * 2 + ["test"] * 2
    assert all("output" in r and "correct" in r and "expected" in r for r in records)
    assert {r["model"] for r in records} == {"adapter_constrained"}  # not "base", as agentft eval calls it
    decodings = [json.loads((tmp_path / f"{name}.json").read_text())["decoding"] for name in ("0", "calls")]
    assert decodings == ["free", "calls constrained to the tools' schemas"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpo-steps", "300"], "--dpo-steps must be in [0, --steps): 300 of 300"),
        (["--mix", "single=1,bogus=1"], "unknown example kind(s) in --mix: bogus"),
        (["--general-calls", "2"], "general_calls must be in [0, 1]"),
        (["--dpo-steps", "60", "--sft-adapter", "nope@v1"], "no adapter named 'nope'"),
        (["--sft-adapter", "nope@v1", "--constrain-calls"], "no adapter named 'nope'"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_bench_train_options_fail_before_any_training(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli("bench", "train", "-o", tmp_path / "train.json", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "train.json").exists()
