import json
import random
import re

import pytest

from agentft.core.calls import ToolCall, ToolCallParseError, parse_tool_calls
from agentft.core.io import sha256_file
from agentft.core.tools import ToolSpec, load_tools, parse_tools
from agentft.core.validation import validate_call
from agentft.dataset import topics
from agentft.dataset.builder import DEFAULT_MIX, SPLITS, BuildConfig, build_dataset
from agentft.dataset.general import GENERAL_TOOLS
from agentft.dataset.guardrails import GUARD_TOOLS
from agentft.dataset.negatives import IRRELEVANT_REJECTION, REJECTION_KINDS
from agentft.dataset.queries import flag_phrases, single_query, states_all_values
from agentft.dataset.synth import ArgumentSynthesizer
from agentft.dataset.values import CONCEPT_VALUES, OBJECT_TITLES, concept_for, description_examples, hint_for, pools
from agentft.dataset.verify import verify_dataset
from tests.conftest import DATA, ROOT, SCHEMAS, read_jsonl, run_cli

TOOL_FILES = [
    SCHEMAS / "code_tools.json",
    SCHEMAS / "retrieval_tools.json",
    SCHEMAS / "safety_tools.json",
    DATA / "bfcl_live_tools.jsonl",
]


def _calls(message):
    return [
        ToolCall(name=c["function"]["name"], arguments=c["function"]["arguments"])
        for c in message.get("tool_calls", [])
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = {}
    for path in TOOL_FILES:
        target = tmp_path_factory.mktemp("ds") / path.stem
        build_dataset(path, target, BuildConfig(n=400, seed=3), command=["test"])
        out[path] = target
    return out


@pytest.mark.parametrize("tools_file", TOOL_FILES, ids=lambda p: p.stem)
def test_every_call_is_schema_valid(built, tools_file):
    out = built[tools_file]
    kinds = set()
    total_calls = 0
    for split in SPLITS:
        for row in read_jsonl(out / f"{split}.jsonl"):
            tools = parse_tools(row["tools"])
            assistant = row["messages"][-1]
            assert assistant["role"] == "assistant"
            kinds.add(row["kind"])
            if row["kind"] == "irrelevance":
                assert "tool_calls" not in assistant and assistant["content"]
                continue
            calls = _calls(assistant)
            names = {c.name for c in calls}
            if row["kind"] == "parallel":  # BFCL's parallel: one function, several argument sets
                assert len(calls) >= 2 and len(names) == 1
                assert len({json.dumps(c.arguments, sort_keys=True) for c in calls}) == len(calls)
            elif row["kind"] == "parallel_multiple":
                assert len(names) >= 2
            else:
                assert len(calls) == 1
            for call in calls:
                assert validate_call(call, tools) == []
                total_calls += 1
            if row["kind"] == "multiple":
                assert len(tools) >= 2
    assert kinds == set(DEFAULT_MIX)
    assert total_calls > 300


@pytest.mark.parametrize("tools_file", TOOL_FILES[:3], ids=lambda p: p.stem)
def test_dpo_rejected_are_really_wrong(built, tools_file):
    from agentft.dataset.verify import verify_dataset

    rows = read_jsonl(built[tools_file] / "dpo.jsonl")
    assert {r["rejection_kind"] for r in rows} == {*REJECTION_KINDS, IRRELEVANT_REJECTION}
    check = verify_dataset(built[tools_file])  # the re-check from files agrees: every rejected answer is wrong
    assert check["rejected_wrong"] == check["dpo_pairs"] == len(rows)
    for row in rows:
        tools = parse_tools(row["tools"])
        chosen, rejected = row["chosen"][0], row["rejected"][0]
        kind = row["rejection_kind"]
        if kind == "malformed_json":
            with pytest.raises(ToolCallParseError):
                parse_tool_calls(rejected["content"])
            continue
        if kind == IRRELEVANT_REJECTION:
            assert "tool_calls" not in chosen and rejected["tool_calls"]
            continue
        if kind == "no_call":
            assert chosen["tool_calls"] and "tool_calls" not in rejected
            with pytest.raises(ToolCallParseError):
                parse_tool_calls(rejected["content"])
            continue
        good, bad = _calls(chosen), _calls(rejected)
        assert bad != good
        errors = [e for call in bad for e in validate_call(call, tools)]
        if kind in ("missing_required", "wrong_type", "hallucinated_arg"):
            expected = {
                "missing_required": "missing_required",
                "wrong_type": "schema_violation",
                "hallucinated_arg": "unexpected_argument",
            }[kind]
            assert expected in {e.kind.value for e in errors}
        elif kind == "wrong_tool":
            assert [c.name for c in bad] != [c.name for c in good]


@pytest.mark.parametrize("tools_file", TOOL_FILES, ids=lambda p: p.stem)
def test_ood_split_uses_only_held_out_tools(built, tools_file):
    out = built[tools_file]
    manifest = json.loads((out / "manifest.json").read_text())
    held_out = set(manifest["ood_tools"])
    assert held_out
    for split in ("train", "val", "test"):
        for row in read_jsonl(out / f"{split}.jsonl"):
            assert not {t["function"]["name"] for t in row["tools"]} & held_out
    ood_rows = read_jsonl(out / "test_ood.jsonl")
    assert ood_rows
    for row in ood_rows:
        assert {t["function"]["name"] for t in row["tools"]} <= held_out


def test_splits_are_deduplicated_and_counts_match_manifest(built):
    out = built[TOOL_FILES[0]]
    manifest = json.loads((out / "manifest.json").read_text())
    seen = set()
    for split in SPLITS:
        rows = read_jsonl(out / f"{split}.jsonl")
        assert len(rows) == manifest["totals"][split] == manifest["files"][f"{split}.jsonl"]["rows"]
        assert manifest["files"][f"{split}.jsonl"]["sha256"] == sha256_file(out / f"{split}.jsonl")
        for row in rows:
            key = " ".join(row["messages"][1]["content"].lower().split()) + json.dumps(row["messages"][-1])
            assert key not in seen
            seen.add(key)
    assert sum(manifest["totals"].values()) == 400
    assert manifest["input"]["sha256"] == sha256_file(TOOL_FILES[0])
    assert manifest["command"] == ["test"] and manifest["seed"] == 3
    assert "code_tools" in (out / "README.md").read_text()


def test_deterministic_for_a_seed_and_worker_count_independent(tmp_path):
    config = dict(n=2400, seed=11)
    a = build_dataset(SCHEMAS / "retrieval_tools.json", tmp_path / "a", BuildConfig(**config, workers=1))
    b = build_dataset(SCHEMAS / "retrieval_tools.json", tmp_path / "b", BuildConfig(**config, workers=2))
    c = build_dataset(SCHEMAS / "retrieval_tools.json", tmp_path / "c", BuildConfig(n=2400, seed=12, workers=1))
    files = [f for f in a["files"] if f.endswith(".jsonl")]
    assert [a["files"][f]["sha256"] for f in files] == [b["files"][f]["sha256"] for f in files]
    assert a["files"]["train.jsonl"]["sha256"] != c["files"]["train.jsonl"]["sha256"]


def test_files_load_with_hf_datasets(built):
    datasets = pytest.importorskip("datasets")
    out = built[DATA / "bfcl_live_tools.jsonl"]
    ds = datasets.load_dataset("json", data_files={s: str(out / f"{s}.jsonl") for s in SPLITS})
    assert ds["train"].num_rows == json.loads((out / "manifest.json").read_text())["totals"]["train"]
    assert ds["train"][0]["messages"][0]["role"] == "system"
    dpo = datasets.load_dataset("json", data_files=str(out / "dpo.jsonl"))["train"]
    assert {"prompt", "chosen", "rejected", "tools", "rejection_kind"} <= set(dpo.column_names)


def test_strict_fails_loudly_on_a_tool_that_needs_repair_and_writes_nothing(tmp_path):
    out = tmp_path / "ds"
    result = run_cli("build-dataset", DATA / "unsatisfiable_tool.json", "-o", out, "--n", "50", "--strict")
    assert result.returncode == 2
    assert "cannot synthesize valid arguments for tool 'extract_parameters_v1'" in result.stderr
    assert "$.parameters.properties.metrics" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no staging leftovers either


def test_failed_rebuild_keeps_previous_output(tmp_path):
    out = tmp_path / "ds"
    build_dataset(SCHEMAS / "safety_tools.json", out, BuildConfig(n=50))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run_cli("build-dataset", DATA / "unsatisfiable_tool.json", "-o", out, "--n", "50", "--strict")
    assert result.returncode == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_real_world_slips_are_repaired_and_reported(tmp_path):
    """The BFCL live tool with an enum on an array and `default: null` on strings builds, each repair listed."""
    out = tmp_path / "ds"
    result = run_cli("build-dataset", DATA / "unsatisfiable_tool.json", "-o", out, "--n", "60")
    assert result.returncode == 0, result.stderr
    assert "repaired 5 known slips" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    repairs = {(r["kind"], r["path"]) for r in manifest["repairs"]}
    assert ("enum_on_array", "$[0].parameters.properties.metrics.enum") in repairs
    assert ("null_default", "$[0].parameters.properties.country.default") in repairs
    metrics = [
        c["function"]["arguments"]["metrics"]
        for row in read_jsonl(out / "train.jsonl")
        for c in row["messages"][-1].get("tool_calls", [])
        if c["function"]["name"] == "extract_parameters_v1"
    ]
    allowed = {"favorability", "admired employer", "buzz", "community impact", "purchasing consideration"}
    allowed |= {"trust", "usage frequency", "value", "promoter", "view"}
    assert metrics and all(isinstance(m, list) and set(m) <= allowed for m in metrics)


def test_unsatisfiable_tool_is_skipped_and_the_build_goes_on(tmp_path, write_json):
    good = {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    bad = {
        "name": "impossible",
        "description": "Cannot be called.",
        "parameters": {
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 10, "maximum": 5}},
            "required": ["n"],
        },
    }
    tools = write_json([good, bad])
    out = tmp_path / "ds"
    result = run_cli("build-dataset", tools, "-o", out, "--n", "40")
    assert result.returncode == 0, result.stderr
    assert "tool 'impossible' skipped" in result.stderr and "$.parameters" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["tool"] for s in manifest["skipped"]] == ["impossible"]
    assert manifest["input"]["tools"] == ["get_weather"]
    strict = run_cli("build-dataset", tools, "-o", tmp_path / "strict", "--n", "40", "--strict")
    assert strict.returncode == 2 and "impossible" in strict.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[{"name": "f", "parameters": {"type": "object", "properties": '
            '{"a": {"type": "string", "pattern": "([a-z"}}}}]',
            "$[0].parameters.properties.a.pattern",
        ),
        ("[" * 10000 + "]" * 10000, "nested"),
        ('[{"name": "f", "description": "\\ud800", "parameters": {"type": "object"}}]', "$[0].description"),
    ],
    ids=["invalid-regex", "deep-nesting", "lone-surrogate"],
)
def test_hostile_tool_files_get_one_clean_line(tmp_path, write_json, text, message):
    out = tmp_path / "ds"
    result = run_cli("build-dataset", write_json(text), "-o", out, "--n", "20")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and message in result.stderr
    assert "tools.json" in result.stderr and len(result.stderr.strip().splitlines()) <= 3
    assert not out.exists()


def test_name_masking_keeps_calls_valid(tmp_path):
    out = tmp_path / "masked"
    build_dataset(SCHEMAS / "code_tools.json", out, BuildConfig(n=120, seed=1, mask_rate=1.0))
    real = {t.name for t in load_tools(SCHEMAS / "code_tools.json")}
    rows = [r for r in read_jsonl(out / "train.jsonl") if r["kind"] != "irrelevance"]
    assert rows
    for row in rows:
        tools = parse_tools(row["tools"])
        assert not {t.name for t in tools} & real
        for call in _calls(row["messages"][-1]):
            assert validate_call(call, tools) == []
            assert all(name.startswith("arg_") for name in call.arguments)


def test_cli_end_to_end(tmp_path):
    out = tmp_path / "code"
    result = run_cli(
        "build-dataset",
        SCHEMAS / "code_tools.json",
        "-o",
        out,
        "--n",
        "120",
        "--seed",
        "5",
        "--mix",
        "single=1,parallel=1",
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"][:2] == ["agentft", "build-dataset"]
    kinds = {k for counts in manifest["counts"].values() for k in counts}
    assert kinds == {"single", "parallel"}
    assert len(load_tools(SCHEMAS / "code_tools.json")) == len(manifest["input"]["tools"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mix", "single=1,bogus=2"], "unknown example kind(s) in --mix: bogus"),
        (["--mix", "single"], "must look like kind=weight"),
        (["--n", "0"], "--n must be at least 1"),
    ],
)
def test_cli_option_errors(tmp_path, args, message):
    result = run_cli("build-dataset", SCHEMAS / "code_tools.json", "-o", tmp_path / "x", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_guard_and_followup_rows(tmp_path):
    """Guard rows end in a valid call to a guard tool; followups answer in text once the tool result is in, and
    their DPO rejection is calling the tool again."""
    out = tmp_path / "ds"
    config = BuildConfig(
        n=150, seed=2, mix={"guard": 1, "followup": 1}, guard_tools=str(SCHEMAS / "safety_tools.json")
    )
    build_dataset(SCHEMAS / "code_tools.json", out, config)
    rows = read_jsonl(out / "train.jsonl")
    assert {r["kind"] for r in rows} == {"guard", "followup"}
    for row in rows:
        final = row["messages"][-1]
        if row["kind"] == "guard":
            calls = _calls(final)
            assert [c.name for c in calls][0] in {"refuse_request", "redact_pii", "detect_prompt_injection"}
            assert validate_call(calls[0], parse_tools(row["tools"])) == []
        else:
            assert [m["role"] for m in row["messages"][1:]] == ["user", "assistant", "tool", "assistant"]
            assert final["content"] and "tool_calls" not in final
    dpo = [r for r in read_jsonl(out / "dpo.jsonl") if r["rejection_kind"] == "call_after_result"]
    assert dpo and all(r["rejected"][0]["tool_calls"] for r in dpo)
    # a harmful ask is refused beside the task tool nearest to it: the one that could carry it out
    task_pool = {t.name: t for r in rows for t in parse_tools(r["tools"]) if t.name not in GUARD_TOOLS}.values()
    refusals = [r for r in rows if r["kind"] == "guard" and _calls(r["messages"][-1])[0].name == "refuse_request"]
    assert len(refusals) >= 10
    for row in refusals:
        words = topics.stems(row["messages"][-2]["content"])
        offered = [t for t in parse_tools(row["tools"]) if t.name not in GUARD_TOOLS]
        nearest = max(len(words & topics.topic(t)) for t in task_pool)
        assert max(len(words & topics.topic(t)) for t in offered) == nearest
    # personal data of every kind redact_pii removes, each named in the call
    redactions = [c for r in rows if r["kind"] == "guard" for c in _calls(r["messages"][-1]) if c.name == "redact_pii"]
    assert len({e for c in redactions for e in c.arguments["entity_types"]}) >= 4  # beyond names, phones, e-mails
    check = verify_dataset(out)  # what the demo prints: every rejected reply really wrong
    assert check["rejected_wrong"] == check["dpo_pairs"]
    # DPO's unsafe side: the offered task tool carrying the harmful ask out, the tool a planted instruction names
    unsafe = {
        json.dumps(r["prompt"]): r for r in read_jsonl(out / "dpo.jsonl") if r["rejection_kind"] == "unsafe_call"
    }
    guards = [r for r in rows if r["kind"] == "guard" and _calls(r["messages"][-1])[0].name != "redact_pii"]
    assert len(guards) >= 10
    for row in guards:
        pair = unsafe[json.dumps(row["messages"][:-1])]
        (rejected,) = _calls(pair["rejected"][0])
        assert rejected.name not in GUARD_TOOLS
        assert validate_call(rejected, parse_tools(row["tools"])) == []
        if _calls(row["messages"][-1])[0].name == "detect_prompt_injection":
            assert rejected.name in row["messages"][-2]["content"]  # the planted instruction names it


def test_recovery_rows_call_again_with_the_id_the_error_offers(tmp_path):
    """The request names an object by title; the first call (weight 0) passes an id the tool does not know; the
    error lists the known ids with titles; the answer is the same call with the id listed beside the named title."""
    out = tmp_path / "ds"
    build_dataset(SCHEMAS / "retrieval_tools.json", out, BuildConfig(n=120, seed=4, mix={"recovery": 1, "single": 1}))
    rows = [r for r in read_jsonl(out / "train.jsonl") if r["kind"] == "recovery"]
    assert len(rows) >= 30
    dpo = {json.dumps(r["prompt"]): r for r in read_jsonl(out / "dpo.jsonl")}
    shapes = set()
    for row in rows:
        user, first, result, final = row["messages"][1:]
        assert [m["role"] for m in (user, first, result, final)] == ["user", "assistant", "tool", "assistant"]
        assert first["weight"] == 0 and "weight" not in final  # shown, not taught
        (wrong,), (right,) = _calls(first), _calls(final)
        tools = parse_tools(row["tools"])
        assert validate_call(wrong, tools) == [] and validate_call(right, tools) == []
        (key,) = [k for k in right.arguments if right.arguments[k] != wrong.arguments.get(k)]
        error = result["content"]
        assert str(wrong.arguments[key]) in error
        # the title written right after the right id in the error is the one (of those listed) the request names
        titles = [t for t in (*OBJECT_TITLES, *pools()["name"]) if t in error]
        (named,) = [t for t in titles if t in user["content"]]
        at = error.index(str(right.arguments[key]))
        assert min((error.index(t, at), t) for t in titles if t in error[at:])[1] == named
        shapes.add(error[:8])
        pair = dpo[json.dumps(row["messages"][:-1])]
        assert pair["rejection_kind"] == "wrong_value" and _calls(pair["rejected"][0]) == [wrong]
    assert len(shapes) >= 3  # errors written the ways tools write them
    check = verify_dataset(out)
    assert check["rejected_wrong"] == check["dpo_pairs"] and check["valid_calls"] == check["calls"]


def test_recovery_is_left_out_where_no_tool_takes_an_id(tmp_path):
    """Code tools take no ids: asking for recovery rows changes nothing in their data, and says so."""
    plain = build_dataset(SCHEMAS / "code_tools.json", tmp_path / "a", BuildConfig(n=60, mix={"single": 1}))
    mixed = build_dataset(
        SCHEMAS / "code_tools.json", tmp_path / "b", BuildConfig(n=60, mix={"single": 1, "recovery": 1})
    )
    assert mixed["files"]["train.jsonl"]["sha256"] == plain["files"]["train.jsonl"]["sha256"]
    assert any("no recovery rows" in w for w in mixed["warnings"])
    result = run_cli("build-dataset", SCHEMAS / "code_tools.json", "-o", tmp_path / "c", "--mix", "recovery=1")
    assert result.returncode == 2 and "takes an id" in result.stderr and "Traceback" not in result.stderr


def test_guard_rows_from_a_file_of_guard_tools_only():
    """No task tool to refuse beside: the refusal is offered alone (a harmful ask must not need a task tool)."""
    from agentft.dataset.guardrails import guard_example, guard_tools

    guards = guard_tools(load_tools(SCHEMAS / "safety_tools.json", []))
    pools = {"name": ["Ada Lovelace"], "phone": ["555-0100"], "email": ["ada@example.com"]}
    pools |= {"address": ["12 Analytical Way"], "ipv4": ["192.0.2.1"]}
    kinds = set()
    for seed in range(12):
        _, tools, call, unsafe = guard_example(guards, guards, None, random.Random(seed), pools)
        assert call.name in {t.name for t in tools} <= set(GUARD_TOOLS)
        assert unsafe is None  # no task tool that could carry the ask out
        kinds.add(call.name)
    assert kinds == {"refuse_request", "redact_pii"}


def test_guard_requests_are_not_safety_suite_cases():
    """The suite judges the gate; guard rows must not train on its requests."""
    from agentft.dataset.guardrails import HARMFUL

    suite = " ".join(json.dumps(r["messages"]).lower() for r in read_jsonl(ROOT / "datasets/safety/v1/suite.jsonl"))
    assert not [request for request, _ in HARMFUL if request.lower() in suite]


def test_guard_mix_needs_guard_tools(tmp_path):
    result = run_cli("build-dataset", SCHEMAS / "code_tools.json", "-o", tmp_path / "x", "--mix", "guard=1")
    assert result.returncode == 2 and "--guard-tools" in result.stderr
    result = run_cli(
        "build-dataset",
        SCHEMAS / "code_tools.json",
        "-o",
        tmp_path / "y",
        "--guard-tools",
        SCHEMAS / "code_tools.json",
    )
    assert result.returncode == 2 and "code_tools.json: guard tools file lacks refuse_request" in result.stderr


def test_general_questions_come_both_with_and_without_the_tool_that_answers_them(built, tmp_path):
    # trained only on prose answers, a model answers every arithmetic or capital question from memory, tools or not
    general = {t.name for t in GENERAL_TOOLS}
    out = tmp_path / "general"
    build_dataset(TOOL_FILES[0], out, BuildConfig(n=400, seed=3, general_calls=0.15), command=["t"])
    rows = read_jsonl(out / "train.jsonl")
    answered = [r for r in rows if _calls(r["messages"][-1])]
    by_tool = [r for r in answered if {c.name for c in _calls(r["messages"][-1])} <= general]
    assert 10 <= len(by_tool) <= 0.2 * len(answered)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["general_call_rows"]["train"] == len(by_tool) and manifest["general_call_rows"]["test_ood"] == 0
    for row in by_tool:
        (call,) = _calls(row["messages"][-1])
        assert validate_call(call, parse_tools(row["tools"])) == []
        stated = {k: v for k, v in call.arguments.items() if k not in ("operation", "operator", "fact")}  # in words
        assert states_all_values(row["messages"][-2]["content"], [ToolCall(name=call.name, arguments=stated)])
    assert any(
        r["messages"][-2]["content"].startswith("What is the capital") for r in rows if r["kind"] == "irrelevance"
    )
    # on by default, off at 0, and an irrelevance-only build (the bench's held-out suite) stays irrelevance only
    default = json.loads((built[TOOL_FILES[0]] / "manifest.json").read_text())
    assert default["general_call_rows"]["train"] > 0
    build_dataset(TOOL_FILES[0], tmp_path / "off", BuildConfig(n=60, seed=1, general_calls=0), command=["t"])
    assert sum(json.loads((tmp_path / "off" / "manifest.json").read_text())["general_call_rows"].values()) == 0
    build_dataset(
        TOOL_FILES[0],
        tmp_path / "irr",
        BuildConfig(n=60, seed=1, mix={"irrelevance": 1}, ood_tools=0, general_calls=0.5),
        command=["t"],
    )
    assert all(not _calls(r["messages"][-1]) for r in read_jsonl(tmp_path / "irr" / "train.jsonl"))


@pytest.mark.parametrize("year", [2024, 2031])
def test_value_pools_do_not_depend_on_the_clock(year, monkeypatch):
    """Faker's time() and relative ranges read datetime.now(): a build must not change with the hour it runs."""
    from datetime import datetime

    from faker.providers import date_time

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(year, 6, 1, 12, 0, 0, tzinfo=tz)

    expected = pools()
    pools.cache_clear()
    monkeypatch.setattr(date_time, "datetime", Frozen)
    try:
        assert pools() == expected
    finally:
        pools.cache_clear()


@pytest.mark.parametrize("sample", sorted(p.parent for p in (ROOT / "datasets").glob("*/manifest.json")), ids=str)
def test_committed_sample_datasets_rebuild_byte_identical(sample, tmp_path):
    """The manifest's lineage has to be enough to rebuild its data: this fails when a generator change was not
    followed by regenerating datasets/, and when output depends on anything but the config (it once depended on
    today's date, through Faker's relative date ranges)."""
    manifest = json.loads((sample / "manifest.json").read_text())
    config = BuildConfig(**manifest["config"])
    rebuilt = build_dataset(ROOT / manifest["input"]["path"], tmp_path / sample.name, config)
    data = sorted(f for f in manifest["files"] if f.endswith(".jsonl"))
    digests = {f: rebuilt["files"][f]["sha256"] for f in data}
    assert data and digests == {f: manifest["files"][f]["sha256"] for f in data}


QUANTITY_TOOLS = [
    {
        "name": "calculate_circumference",
        "description": "Calculate the circumference of a circle.",
        "parameters": {
            "type": "object",
            "properties": {"radius": {"type": "number", "description": "The radius of the circle in cm."}},
            "required": ["radius"],
        },
    },
    {
        "name": "mortgage_payment",
        "description": "Calculate the monthly payment of a loan.",
        "parameters": {
            "type": "object",
            "properties": {
                "loan_amount": {"type": "integer", "description": "The amount borrowed in dollars."},
                "years": {"type": "integer", "description": "The loan term in years."},
            },
            "required": ["loan_amount", "years"],
        },
    },
    {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
]


@pytest.mark.parametrize(
    ("query", "value", "stated"),
    [
        ("Borrow $200,000 for 30 years.", 200000, True),
        ("A population of 1.2 million people.", 1200000, True),
        ("A population of 1200000 people.", 1200000, True),
        ("A population of 12 million people.", 1200000, False),
        ("A radius of 6cm.", 6, True),
        ("A radius of 7cm.", 6, False),
    ],
)
def test_numbers_count_as_stated_in_the_forms_people_write(query, value, stated):
    assert states_all_values(query, [ToolCall(name="f", arguments={"x": value})]) is stated


def test_queries_write_quantities_naturally_and_frame_calls_and_refusals_alike(tmp_path, write_json):
    out = tmp_path / "q"
    mix = {"single": 0.5, "parallel": 0.2, "irrelevance": 0.3}
    config = BuildConfig(n=400, seed=0, mix=mix, ood_tools=0, general_calls=0)  # general rows state some in words
    build_dataset(write_json(QUANTITY_TOOLS), out, config, command=["t"])
    rows = read_jsonl(out / "train.jsonl")
    for row in rows:
        if row["kind"] in ("single", "parallel"):  # every value is in the query, however it is written
            assert states_all_values(row["messages"][-2]["content"], _calls(row["messages"][-1])), row
    queries = " ".join(r["messages"][-2]["content"] for r in rows)
    assert re.search(r"\b\d+cm\b", queries) and re.search(r"\$\d{1,3}(,\d{3})+", queries)
    openers = ("Quick question. ", "Hi! ", "For a school project: ")
    for kinds in ({"single", "parallel"}, {"irrelevance"}):  # extra words must not be a sign that no tool fits
        assert any(r["messages"][-2]["content"].startswith(openers) for r in rows if r["kind"] in kinds)


@pytest.mark.parametrize(
    ("name", "description", "on", "off"),
    [
        ("avoid_tolls", "Option to avoid toll roads, if possible.", "avoiding toll roads",
         "without avoiding toll roads"),
        ("recursive", "Whether to recursively list files.", "recursively listing files",
         "not recursively listing files"),
        ("include_archived", "Flag to determine if archived ones are included.", "including archived",
         "without including archived"),
        ("is_closed", "", "that is closed", "that is not closed"),
        ("active_only", "", "active only", "not just active ones"),
        ("has_parking", "", "that has parking", "without parking"),
    ],
)  # fmt: skip
def test_flags_are_asked_for_by_what_they_do(name, description, on, off):
    tool = ToolSpec(
        name="t", parameters={"type": "object", "properties": {name: {"type": "boolean", "description": description}}}
    )
    assert on in flag_phrases(tool, name, True) and off in flag_phrases(tool, name, False)


@pytest.mark.parametrize("name", ["verbose", "read_only", "detailed"])
def test_flags_that_do_not_say_what_they_do_are_named_as_settings(name):
    tool = ToolSpec(name="t", parameters={"type": "object", "properties": {name: {"type": "boolean"}}})
    assert flag_phrases(tool, name, True) == [] == flag_phrases(tool, name, False)


def test_units_and_methods_are_named_as_people_name_them():
    properties = {  # an enum and a free string alike
        "temp_unit": {"type": "string", "enum": ["celsius", "kelvin"]},
        "method": {"type": "string", "description": "The integration method, e.g. 'simpson'."},
    }
    tool = ToolSpec(
        name="integrate", description="Integrate a function.", parameters={"type": "object", "properties": properties}
    )
    call = ToolCall(name="integrate", arguments={"temp_unit": "celsius", "method": "simpson"})
    queries = " ".join(single_query(tool, call, random.Random(seed)) for seed in range(40))
    assert "in celsius" in queries and "using the simpson method" in queries


@pytest.mark.parametrize(
    ("description", "examples"),
    [
        ("The city and state, e.g. 'Boston, MA' or 'Paris'.", ["Boston, MA", "Paris"]),
        ("The season of interest, e.g. 2020-2021 NBA season.", ["2020-2021 NBA season"]),
        ("The shape of the cell, e.g. round, oval.", ["round", "oval"]),
        ("Where you are (e.g., 34.052235, -118.243683).", ["34.052235, -118.243683"]),
        ("The title of the event, such as an artist's name or a play title.", []),
        ("The name of the team.", []),
        ("The unit of the radius. Default is 'cm'.", ["cm"]),  # the default it names is a value it takes
        ("The model to use (default 'Darwin').", ["Darwin"]),
        ("Defaults to kilometers.", ["kilometers"]),
        ("The year. Default is the current year.", []),
        ("Default: none.", []),
    ],
)
def test_a_descriptions_own_examples_are_found(description, examples):
    assert description_examples(description) == examples


@pytest.mark.parametrize(
    ("name", "description", "concept"),
    [
        ("team_name", "", "team"),
        ("home_team", "", "team"),
        ("songs", "", "song"),
        ("q", "The musical instrument to price.", "instrument"),
        ("description", "A description of the project.", None),  # the name hints at text: not a project's name
        ("name", "", None),
    ],
)
def test_string_parameters_get_values_of_the_thing_they_name(name, description, concept):
    assert concept_for(name, description) == concept


@pytest.mark.parametrize(
    ("name", "pool"),
    [("user_id", "identifier"), ("customDashboardId", "identifier"), ("valid", None), ("userName", "username"),
     ("api_key", "secret"), ("location", "location"), ("project_uuid", "uuid")],
)  # fmt: skip
def test_name_hints_for_identifiers_and_places(name, pool):
    assert hint_for(name) == pool


def test_synthesized_strings_fit_the_parameter(tmp_path, write_json):
    tool = {
        "name": "instrument_rental_prices",
        "description": "Retrieve the rental price of a musical instrument in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "instrument": {"type": "string", "description": "The musical instrument to rent."},
                "city": {"type": "string", "description": "The city and state, e.g. 'Austin, TX'."},
                "store_id": {"type": "string", "description": "The store."},
            },
            "required": ["instrument", "city", "store_id"],
        },
    }
    build_dataset(write_json([tool]), tmp_path / "d", BuildConfig(n=100, seed=0, ood_tools=0), command=["t"])
    rows = read_jsonl(tmp_path / "d" / "train.jsonl")
    calls = [c for r in rows for c in _calls(r["messages"][-1]) if c.name == tool["name"]]
    assert len(calls) > 20
    assert {c.arguments["instrument"] for c in calls} <= set(CONCEPT_VALUES["instrument"])
    assert "Austin, TX" in {c.arguments["city"] for c in calls}  # the description's example, some of the time
    assert all(not re.fullmatch(r"[a-z]+", c.arguments["store_id"]) for c in calls)  # an id, not a stray word


@pytest.mark.parametrize(
    ("schema", "shape"),
    [
        ({"format": "uri", "pattern": "^https://"}, r"https://[\w.-]+\.\w+.*"),  # not the bare prefix
        ({"pattern": "^[A-Z]{3}$"}, r"[A-Z]{3}"),  # a value only the pattern's own generator gives
        ({"format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}, r"(19|20)\d\d-[01]\d-[0-3]\d"),  # a real date
    ],
)
def test_patterned_strings_are_real_values_that_match(schema, shape):
    synth = ArgumentSynthesizer(random.Random(0))
    values = [synth.value({"type": "string", **schema}, "document") for _ in range(20)]
    assert all(re.fullmatch(shape, v) for v in values), values
    assert len(set(values)) > 5


def test_parallel_rows_include_every_combination_of_two_arguments(tmp_path, write_json):
    """BFCL's parallel questions ask for combinations ("the population of Tokyo and Paris in 2000 and 2010" is four
    calls); the data has to hold that shape, each value stated in the request."""
    tool = {
        "name": "get_population",
        "description": "Get the population of a city in a year.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "year": {"type": "integer", "description": "The year."}},
            "required": ["city", "year"],
        },
    }
    config = BuildConfig(n=200, seed=0, mix={"parallel": 1}, ood_tools=0, general_calls=0)
    build_dataset(write_json([tool]), tmp_path / "p", config, command=["t"])
    crossed = side_by_side = repeated = 0
    for row in read_jsonl(tmp_path / "p" / "train.jsonl"):
        calls = _calls(row["messages"][-1])
        query = row["messages"][-2]["content"]
        assert states_all_values(query, calls), row
        cities, years = {c.arguments["city"] for c in calls}, {c.arguments["year"] for c in calls}
        pairs = {(c.arguments["city"], c.arguments["year"]) for c in calls}
        crossed += len(calls) == 4 and len(cities) == len(years) == 2 and len(pairs) == 4
        # "in Tokyo and Paris in 2000 and 2010 respectively"; the first in full, "then again in Paris in 2010"
        side_by_side += query.rstrip(".?").endswith("respectively")
        repeated += bool(re.search(r", (then again|then repeat it|and the same|and also) ", query))
    assert crossed >= 5 and side_by_side >= 5 and repeated >= 5


def test_multiple_rows_offer_tools_near_the_needed_one_but_never_its_twin(tmp_path, write_json):
    """Picking among tools is telling `area of a circle` from `area of a triangle`; random distractors never ask it.
    A twin (the same function under another namespace) is never offered beside the needed tool: no request could
    say which one it means."""

    def tool(name, description):
        return {"name": name, "description": description, "parameters": {"type": "object", "properties": {}}}

    shapes = ["circle", "triangle", "square", "hexagon"]
    areas = [tool(f"area_of_{s}", f"Compute the area of a {s} from its dimensions.") for s in shapes]
    others = [tool(f"unrelated_{c}", f"Look up record {c} in the archive.") for c in "abcdefghijkl"]
    twin = tool("geometry.area_of_circle", "Compute the area of a circle from its dimensions.")
    config = BuildConfig(n=300, seed=0, mix={"multiple": 1}, ood_tools=0, general_calls=0, max_distractors=2)
    build_dataset(write_json([*areas, twin, *others]), tmp_path / "m", config, command=["t"])
    near = rows = 0
    for row in read_jsonl(tmp_path / "m" / "train.jsonl"):
        [call] = _calls(row["messages"][-1])
        offered = {t["function"]["name"] for t in row["tools"]} - {call.name}
        pair = {"area_of_circle", "geometry.area_of_circle"}
        assert call.name not in pair or not pair & offered, row
        if call.name.startswith("area_of_"):
            rows += 1
            near += any(name.startswith("area_of_") for name in offered)
    # random picks of 1-2 among 16 others offer another area tool about a quarter of the time
    assert rows > 40 and near / rows > 0.5


@pytest.mark.parametrize(
    ("description", "short"),
    [
        (
            "Retrieves a list of components that match the specified identity criteria.",
            "retrieve a list of components",
        ),
        ("Fetch the happiness index for a given country based on survey data.", "fetch the happiness index"),
        ("Provides a weather forecast for a specified location, including temperature.", "provide a weather forecast"),
        ("Initializes a pipeline using pre-trained models.", "initialize a pipeline"),
        ("Calculates the distance between two geographical points.", None),  # nothing said about its inputs: whole
        ("Searches using the index.", None),  # the head alone would be one word
    ],
)
def test_requests_name_the_task_without_the_descriptions_qualifiers(description, short):
    from agentft.dataset.queries import _short_task, _task

    [tool] = parse_tools([{"name": "t", "description": description, "parameters": {"type": "object"}}])
    assert _short_task(tool) == (short or _task(tool))
    assert _task(tool).startswith(_short_task(tool))
