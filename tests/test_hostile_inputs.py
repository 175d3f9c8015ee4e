"""Hostile and sloppy tool files through the real CLI: every bad one ends in one clean line (exit 2, no traceback,
the file named, nothing left behind, no hang); every legitimate look-alike builds. The corpus is
tests/data/{bad,good}/tools (regenerate with scripts/make_bad_inputs.py); files too large to commit are made here."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import DATA, run_cli

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
