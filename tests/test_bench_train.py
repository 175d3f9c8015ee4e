"""`agentft bench train` must never train on what it evaluates: the tool split it trains and tests on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentft.bench.train import bfcl_categories, evaluated_functions, split_tools
from agentft.core.tools import load_tools

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


def test_the_excerpt_does_offer_functions_that_the_bfcl_style_tools_hold() -> None:
    """What makes the exclusion above necessary (were it not, the test above could not fail)."""
    bfcl = Path("tests/data/bfcl")
    bfcl_style = {t.name for t in load_tools(Path("schemas/bfcl_style_tools.jsonl"), repairs=[])}
    assert evaluated_functions(bfcl, bfcl_categories(bfcl)) & bfcl_style
