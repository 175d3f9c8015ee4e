"""Differential test: agentft's BFCL checker against the official BFCL AST checker on every Python category.

The official checker ships in the `bfcl-eval` wheel (installed without its dependencies by `make install`); only
its model-name table, which imports every provider SDK, is replaced by a stand-in that keeps names as given.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import types
from pathlib import Path

import pytest

from agentft.evaluation.bfcl import AST_CATEGORIES, check_output


def _official():
    stub = types.ModuleType("bfcl_eval.constants.model_config")

    class _Config:
        underscore_to_dot = False

    class _Table(dict):
        def __missing__(self, key):
            return _Config()

    stub.MODEL_CONFIG_MAPPING = _Table()
    sys.modules.setdefault("bfcl_eval.constants.model_config", stub)
    checker = pytest.importorskip("bfcl_eval.eval_checker.ast_eval.ast_checker")
    from bfcl_eval.constants.enums import Language

    data = Path(sys.modules["bfcl_eval"].__file__).parent / "data"
    return checker.ast_checker, Language.PYTHON, data


def _pick(options, rng):
    """A concrete value from a list of accepted values (dicts and lists of dicts hold accepted lists too)."""
    if not isinstance(options, list):
        return copy.deepcopy(options)
    concrete = [o for o in options if o != ""]
    if not concrete:
        return None
    value = rng.choice(concrete)
    if isinstance(value, dict):
        return _pick_dict(value, rng)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_pick_dict(item, rng) for item in value]
    return copy.deepcopy(value)


def _pick_dict(answer, rng):
    picked = {k: _pick(v, rng) for k, v in answer.items()}
    return {k: v for k, v in picked.items() if v is not None}


def _gold(answers, rng):
    out = []
    for answer in answers:
        ((name, params),) = answer.items()
        args = {}
        for param, options in params.items():
            value = _pick(options, rng)
            if value is not None or "" not in options:
                args[param] = value
        out.append({name: args})
    return out


def _mutations(docs, answers, rng):
    gold = _gold(answers, rng)
    yield "gold", gold
    yield "gold_alt", _gold(answers, rng)
    yield "empty", []
    yield "extra_call", gold + gold[:1]
    if len(gold) > 1:
        yield "reversed", list(reversed(gold))
        yield "dropped_call", gold[1:]
    mutated = copy.deepcopy(gold)
    target = rng.randrange(len(mutated))
    ((name, args),) = mutated[target].items()
    yield "wrong_name", [*mutated[:target], {name + "_x": args}, *mutated[target + 1 :]]
    yield "unexpected_param", [*mutated[:target], {name: {**args, "zz_extra": 1}}, *mutated[target + 1 :]]
    for param in list(args):
        value = args[param]
        variants = {"drop": None}
        if isinstance(value, str):
            variants.update(upper=value.upper() + " ", punct=value.replace(" ", "_") + ".", other=value + "x", num=7)
        elif isinstance(value, bool):
            variants.update(flip=not value, as_int=int(value), as_str=str(value))
        elif isinstance(value, int):
            variants.update(as_float=float(value), plus=value + 1, as_str=str(value), as_bool=True)
        elif isinstance(value, float):
            variants.update(as_int=int(value), as_str=str(value), plus=value + 0.5)
        elif isinstance(value, list):
            variants.update(
                reversed=list(reversed(value)), as_tuple=tuple(value), shorter=value[:-1], as_str=str(value)
            )
        elif isinstance(value, dict):
            variants.update(extra_key={**value, "zz": 1}, fewer={k: v for k, v in list(value.items())[1:]})
        for kind, new in variants.items():
            new_args = {k: v for k, v in args.items() if k != param}
            if kind != "drop":
                new_args[param] = new
            yield f"{param}:{kind}", [*mutated[:target], {name: new_args}, *mutated[target + 1 :]]


@pytest.mark.parametrize("category", AST_CATEGORIES)
def test_verdicts_match_official_checker(category):
    official, python, data = _official()

    def load(path):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    questions = load(data / f"BFCL_v4_{category}.json")
    answers = {e["id"]: e for e in load(data / "possible_answer" / f"BFCL_v4_{category}.json")}
    rng = random.Random(category)
    compared = valid_seen = invalid_seen = 0
    for entry in questions:
        gt = answers[entry["id"]]["ground_truth"]
        for kind, output in _mutations(entry["function"], gt, rng):
            expected = official(
                copy.deepcopy(entry["function"]), copy.deepcopy(output), copy.deepcopy(gt), python, category, "model"
            )
            ours = check_output(category, entry["function"], output, gt)
            official_type = None if expected["valid"] else expected["error_type"]
            assert (ours.valid, ours.error_type) == (expected["valid"], official_type), (
                f"{entry['id']} [{kind}] output={output!r}: ours={ours} official={expected}"
            )
            compared += 1
            valid_seen += ours.valid
            invalid_seen += not ours.valid
    assert compared > len(questions) * 5
    assert valid_seen and invalid_seen
