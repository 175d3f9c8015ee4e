"""Hostile and sloppy tool files through the real CLI: every bad one ends in one clean line (exit 2, no traceback,
the file named, nothing left behind, no hang); every legitimate look-alike builds. The corpus is
tests/data/{bad,good}/tools (regenerate with scripts/make_bad_inputs.py); files too large to commit are made here."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import DATA, run_cli
from tests.conftest import ROOT as ROOT_DIR

BAD = DATA / "bad" / "tools"
GOOD = DATA / "good" / "tools"
EXPECTED = json.loads((BAD / "expected.json").read_text())
TIME_LIMIT_S = 60  # no case may hang: pathological regexes and huge files included


def _large_cases(folder):
    """(file, fragment) for the cases generated at test time."""
    deep = folder / "deep_nesting.json"
    deep.write_text("[" * 10000 + "]" * 10000)
    deep_schema = folder / "deep_schema.json"
    nested = {"type": "string"}
    for _ in range(150):
        nested = {"type": "object", "properties": {"x": nested}}
    deep_schema.write_text(json.dumps([{"name": "f", "parameters": {"type": "object", "properties": {"x": nested}}}]))
    huge = folder / "huge.json"
    with huge.open("w") as handle:  # 50 MB
        handle.write('[{"name": "f", "description": "')
        handle.write("x" * (50 << 20))
        handle.write('", "parameters": {"type": "object"}}]')
    enum = folder / "huge_enum.json"
    values = [f"value_{i}" for i in range(100_000)]
    enum.write_text(
        json.dumps([{"name": "f", "parameters": {"type": "object", "properties": {"e": {"enum": values}}}}])
    )
    return [
        (deep, "nested too deeply"),
        (deep_schema, "nested more than 100 levels"),
        (huge, "over the 32 MB limit"),
        (enum, "over the 32 KB a prompt can carry"),
    ]


def _assert_clean_failure(result, tools_file, fragment, out, started):
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr, result.stderr
    assert tools_file.name in result.stderr  # the file is named
    assert len(result.stderr.strip().splitlines()) <= 3
    assert not out.exists() and not list(out.parent.glob(f".tmp-{out.name}-*"))  # no output, no staging folder
    assert time.perf_counter() - started < TIME_LIMIT_S


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.split(".")[0])
def test_bad_tool_file_fails_cleanly(tmp_path, name):
    out = tmp_path / "out"
    started = time.perf_counter()
    result = run_cli("build-dataset", BAD / name, "-o", out, "--n", "20")
    _assert_clean_failure(result, BAD / name, EXPECTED[name], out, started)


def test_large_bad_tool_files_fail_cleanly(tmp_path):
    for tools_file, fragment in _large_cases(tmp_path):
        out = tmp_path / f"out_{tools_file.stem}"
        started = time.perf_counter()
        result = run_cli("build-dataset", tools_file, "-o", out, "--n", "20")
        _assert_clean_failure(result, tools_file, fragment, out, started)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--n", "0"], "--n must be at least 1"),
        (["--n", "-5"], "--n must be at least 1"),
        (["--mix", "single=-1"], "non-negative"),
        (["--ood-tools", "1.5"], "ood_tools must be in [0, 1)"),
    ],
)
def test_bad_options_fail_cleanly(tmp_path, args, fragment):
    out = tmp_path / "out"
    result = run_cli("build-dataset", GOOD / "no_required.json", "-o", out, *args)
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_output_path_that_is_a_file_or_under_one(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("keep me")
    for out in (blocker, blocker / "sub"):
        result = run_cli("build-dataset", GOOD / "no_required.json", "-o", out, "--n", "20")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "a_file" in result.stderr and len(result.stderr.strip().splitlines()) <= 3
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.json")), ids=lambda n: n.split(".")[0])
def test_legitimate_real_world_files_build(tmp_path, name):
    out = tmp_path / "out"
    started = time.perf_counter()
    result = run_cli("build-dataset", GOOD / name, "-o", out, "--n", "30")
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < TIME_LIMIT_S
    manifest = json.loads((out / "manifest.json").read_text())
    assert sum(manifest["totals"].values()) == 30


# --- every other command ---------------------------------------------------------------------------------------

BFCL = DATA / "bfcl"
PAYLOAD = "__import__('os').system('touch PWNED')"


def _files(folder):
    """Bad inputs for the other commands, written into `folder`; returns {name: path}."""
    rows = {
        "pred_payload.jsonl": json.dumps({"id": "simple_python_0", "text": f"[{PAYLOAD}]"}) + "\n",
        "pred_no_id.jsonl": json.dumps({"text": "x"}) + "\n",
        "pred_bad_id.jsonl": json.dumps({"id": 5, "text": "x"}) + "\n",
        "pred_garbage.jsonl": "not json at all\n",
        "pred_calls_type.jsonl": json.dumps({"id": "simple_python_0", "calls": "f(x=1)"}) + "\n",
        "pred_huge_line.jsonl": json.dumps({"id": "simple_python_0", "text": "x" * (10 << 20)}) + "\n",
        "cfg_unknown_key.yaml": "name: x\ndataset: datasets/code_tools\nlearnin_rate: 0.1\n",
        "cfg_wrong_type.yaml": "name: x\ndataset: datasets/code_tools\nmax_steps: many\n",
        "cfg_missing_dataset.yaml": "name: x\ndataset: /nonexistent/dataset\n",
        "cfg_negative_lr.yaml": "name: x\ndataset: datasets/code_tools\nlearning_rate: -1\n",
        "cfg_not_yaml.yaml": "name: [x\n",
        "steps_bad_json.jsonl": '{"request": "hi", "adapter": "code"}\n{"request": \n',
        "steps_bad_type.jsonl": json.dumps({"request": 5, "adapter": "code"}) + "\n",
        "steps_unknown_key.jsonl": json.dumps({"request": "hi", "adapter": "code", "x": 1}) + "\n",
        "steps_missing_text.jsonl": json.dumps({"adapter": "code"}) + "\n",
    }
    out = {}
    for name, text in rows.items():
        out[name] = folder / name
        out[name].write_text(text)
    corrupt = folder / "corrupt_adapter"
    corrupt.mkdir()
    (corrupt / "adapter_config.json").write_text("{not json")
    (corrupt / "adapter_model.safetensors").write_bytes(b"garbage")
    pickled = folder / "pickled_adapter"
    pickled.mkdir()
    (pickled / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "base_model_name_or_path": "x"}))
    (pickled / "adapter_model.bin").write_bytes(b"\x80\x04K\x01.")
    (folder / "empty_router").mkdir()
    out.update(corrupt=corrupt, pickled=pickled, empty_router=folder / "empty_router")
    return out


COMMANDS = [
    (["score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", "{pred_no_id.jsonl}"], "no 'id'"),
    (["score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", "{pred_bad_id.jsonl}"], "$[0].id"),
    (["score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", "{pred_garbage.jsonl}"], "$[0]"),
    (["score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", "{pred_calls_type.jsonl}"], "calls"),
    (["score", "--bfcl", BFCL, "--category", "nope", "--predictions", "{pred_no_id.jsonl}"], "nope"),
    (["score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", "/nonexistent.jsonl"], "not found"),
    (["train", "{cfg_unknown_key.yaml}"], "$.learnin_rate: unknown key"),
    (["train", "{cfg_wrong_type.yaml}"], "$.max_steps"),
    (["train", "{cfg_missing_dataset.yaml}"], "dataset folder not found"),
    (["train", "{cfg_negative_lr.yaml}"], "$.learning_rate"),
    (["train", "{cfg_not_yaml.yaml}"], "invalid YAML"),
    (["train", "/nonexistent.yaml"], "config file not found"),
    (["router", "train", "router/config.yaml", "--set", "data.steps=[{steps_bad_json.jsonl}]"], "$[1]"),
    (["router", "train", "router/config.yaml", "--set", "data.steps=[{steps_bad_type.jsonl}]"], "$[0].request"),
    (["router", "train", "router/config.yaml", "--set", "data.steps=[{steps_unknown_key.jsonl}]"], "$[0].x"),
    (["router", "train", "router/config.yaml", "--set", "data.steps=[{steps_missing_text.jsonl}]"], "$[0]"),
    (["router", "eval", "{empty_router}", "router/held_out/eval_steps.jsonl"], "not a trained router"),
    (["router", "predict", "{empty_router}", "router/held_out/eval_steps.jsonl"], "not a trained router"),
    (["agent", "run", "hello", "--router", "{empty_router}"], "not a trained router"),
    (["adapters", "show", "nope", "--registry", "{empty_router}"], "no adapter named 'nope'"),
    (["adapters", "export", "{corrupt}", "-o", "{empty_router}/out"], "corrupt_adapter"),
    (["adapters", "export", "{pickled}", "-o", "{empty_router}/out"], "pickled_adapter"),
    (["adapters", "merge", "{corrupt}", "{pickled}", "-o", "m"], "_adapter"),
    (["eval", "--bfcl", BFCL, "--dtype", "bogus"], "--dtype 'bogus': choose from float32"),
]


@pytest.mark.parametrize(
    ("args", "fragment"), COMMANDS, ids=lambda v: "-".join(map(str, v[:2])) if isinstance(v, list) else None
)
def test_every_command_fails_cleanly_on_bad_input(tmp_path, args, fragment):
    files = _files(tmp_path)
    argv = [str(a) for a in args]
    for key, path in files.items():
        argv = [a.replace("{" + key + "}", str(path)) for a in argv]
    started = time.perf_counter()
    result = run_cli(*argv, cwd=None)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3, result.stderr
    assert time.perf_counter() - started < TIME_LIMIT_S


def test_score_never_runs_prediction_text(tmp_path):
    files = _files(tmp_path)
    result = run_cli(
        "score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", files["pred_payload.jsonl"],
        cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "PWNED").exists() and not (ROOT_DIR / "PWNED").exists()


def test_score_survives_a_10_mb_prediction_line(tmp_path):
    files = _files(tmp_path)
    started = time.perf_counter()
    result = run_cli(
        "score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", files["pred_huge_line.jsonl"],
    )  # fmt: skip
    assert "Traceback" not in result.stderr and result.returncode in (0, 2)
    assert time.perf_counter() - started < TIME_LIMIT_S
