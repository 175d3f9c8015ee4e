import json

import pytest

from agentft.core.errors import AgentftError
from agentft.evaluation.bfcl import score_predictions
from tests.conftest import DATA, read_jsonl, run_cli

BFCL = DATA / "bfcl"


def _gold_calls(answer):
    calls = []
    for item in answer["ground_truth"]:
        ((name, params),) = item.items()
        calls.append({"name": name, "arguments": {k: v[0] for k, v in params.items() if v[0] != ""}})
    return calls


def _write(tmp_path, rows):
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_score_cli_json_report(tmp_path):
    answers = read_jsonl(BFCL / "possible_answer" / "BFCL_v4_simple_python.json")
    rows = [{"id": a["id"], "calls": _gold_calls(a)} for a in answers[:3]]
    rows.append({"id": answers[3]["id"], "text": "I am not sure."})
    rows.append({"id": answers[4]["id"], "calls": []})
    first = rows[0]["calls"][0]
    rows.append({"id": answers[5]["id"], "text": "[" + first["name"] + "(x=1)]"})
    out = tmp_path / "report.json"
    result = run_cli(
        "score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", _write(tmp_path, rows), "--json", out
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["category"] == "simple_python"
    assert report["total"] == 6
    assert [r["id"] for r in report["results"]] == [r["id"] for r in rows]
    assert [r["valid"] for r in report["results"]] == [True, True, True, False, False, False]
    types = [r["error_type"] for r in report["results"][3:]]
    assert types == [
        "ast_decoder:decoder_failed",
        "simple_function_checker:wrong_count",
        "simple_function_checker:wrong_func_name",
    ]
    assert report["accuracy"] == pytest.approx(0.5)
    assert "accuracy" in result.stdout and "50.00%" in result.stdout


def test_text_predictions_in_every_supported_format(tmp_path):
    answers = read_jsonl(BFCL / "possible_answer" / "BFCL_v4_parallel.json")
    rows = []
    for i, answer in enumerate(answers):
        calls = _gold_calls(answer)
        if i % 3 == 0:
            text = (
                "["
                + ", ".join(
                    f"{c['name']}(" + ", ".join(f"{k}={v!r}" for k, v in c["arguments"].items()) + ")" for c in calls
                )
                + "]"
            )
        elif i % 3 == 1:
            text = "\n".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in reversed(calls))
        else:
            text = json.dumps(
                {
                    "tool_calls": [
                        {"type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                        for c in calls
                    ]
                }
            )
        rows.append({"id": answer["id"], "text": text})
    report = score_predictions(BFCL, "parallel", _write(tmp_path, rows))
    assert report.total == len(answers)
    assert report.accuracy == 1.0, report.to_json()


def test_relevance_category(tmp_path):
    entries = read_jsonl(BFCL / "BFCL_v4_live_irrelevance.json")
    name = entries[1]["function"][0]["name"]
    rows = [
        {"id": entries[0]["id"], "text": "I can't help with that using these tools."},
        {"id": entries[1]["id"], "calls": [{"name": name, "arguments": {}}]},
    ]
    report = score_predictions(BFCL, "live_irrelevance", _write(tmp_path, rows))
    assert [r.valid for r in report.results] == [True, False]
    assert report.results[1].error_type == "irrelevance_error:decoder_success"


@pytest.mark.parametrize(
    ("rows", "category", "message"),
    [
        ([{"id": "nope", "calls": []}], "simple_python", "$[0].id: id 'nope' is not in BFCL_v4_simple_python.json"),
        ([{"calls": []}], "simple_python", "$[0]: prediction has no 'id'"),
        ([{"id": "simple_python_0"}], "simple_python", "$[0]: prediction needs exactly one of 'calls' or 'text'"),
        (
            [{"id": "simple_python_0", "text": ""}, {"id": "simple_python_0", "text": ""}],
            "simple_python",
            "$[1].id: duplicate prediction",
        ),
        ([{"id": "x", "text": ""}], "simple", "no BFCL file for category 'simple'"),
    ],
)
def test_score_errors(tmp_path, rows, category, message):
    path = _write(tmp_path, rows)
    with pytest.raises(AgentftError) as info:
        score_predictions(BFCL, category, path)
    assert message in str(info.value)


def test_score_cli_bad_input_exits_nonzero_without_traceback(tmp_path):
    path = tmp_path / "pred.jsonl"
    path.write_text('{"id": "simple_python_0", "text": ""}\n{broken\n')
    result = run_cli("score", "--bfcl", BFCL, "--category", "simple_python", "--predictions", path)
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"error: {path}: $[1]: invalid JSON on line 2: Expecting property name "
        "enclosed in double quotes"
    )
