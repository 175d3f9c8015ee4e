"""`agentft bench train` must never train on what it evaluates: the tool split it trains and tests on."""

from __future__ import annotations

import json
from pathlib import Path

from agentft.bench.train import bfcl_categories, split_tools
from agentft.cli.common import bfcl_default
from agentft.core.io import iter_jsonl


def _names(path: Path) -> set[str]:
    return {t["function"]["name"] for t in json.loads(path.read_text())}


def test_no_evaluated_bfcl_function_is_trained_on_and_held_out_tools_stay_out(tmp_path: Path) -> None:
    bfcl = bfcl_default()
    assert bfcl is not None
    categories = bfcl_categories(bfcl)
    assert {"simple_python", "multiple", "parallel"} <= set(categories)
    evaluated = {
        function["name"]
        for category in categories
        for entry in iter_jsonl(bfcl / f"BFCL_v4_{category}.json")
        for function in entry["function"]
    }
    train, held_out = split_tools(Path("schemas"), tmp_path)
    trained, held = _names(train), _names(held_out)
    assert not trained & evaluated
    assert not held & evaluated
    assert not trained & held
    assert len(held) >= 100  # the irrelevance suite asks for 100 held-out tools
    (tmp_path / "again").mkdir()
    again, _ = split_tools(Path("schemas"), tmp_path / "again")  # the split is seeded: every run holds out the same
    assert _names(again) == trained
