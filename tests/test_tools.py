import json

import pytest

from agentft.core.errors import AgentftError
from agentft.core.tools import load_tools, parse_tools
from tests.conftest import DATA, SCHEMAS, run_cli

PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}, "days": {"type": "integer"}},
    "required": ["city"],
}
OPENAI = {"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": PARAMS}}
BFCL = {
    "name": "get_weather",
    "description": "Weather",
    "parameters": {
        "type": "dict",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "days": {"type": "integer"},
            "ratio": {"type": "float"},
            "point": {"type": "tuple", "items": {"type": "float"}},
            "anything": {"type": "any"},
        },
        "required": ["city"],
    },
}
MCP = {"tools": [{"name": "get_weather", "description": "Weather", "inputSchema": PARAMS}]}


@pytest.mark.parametrize(
    "data",
    [[OPENAI], {"tools": [OPENAI]}, [BFCL], MCP, OPENAI],
    ids=["openai-list", "openai-tools", "bfcl", "mcp", "single-object"],
)
def test_formats_normalize_to_one_toolspec(data):
    (tool,) = parse_tools(data)
    assert tool.name == "get_weather"
    assert tool.description == "Weather"
    assert tool.parameters["type"] == "object"
    assert tool.parameters["properties"]["city"] == {"type": "string", "description": "City name"}
    assert tool.required == ["city"]


def test_bfcl_types_are_mapped_to_json_schema():
    (tool,) = parse_tools([BFCL])
    props = tool.parameters["properties"]
    assert props["ratio"] == {"type": "number"}
    assert props["point"] == {"type": "array", "items": {"type": "number"}}
    assert props["anything"] == {}


def test_jsonl_tools_file(tmp_path):
    path = tmp_path / "tools.jsonl"
    second = {**BFCL, "name": "get_time"}
    path.write_text(json.dumps(BFCL) + "\n\n" + json.dumps(second) + "\n")
    assert [t.name for t in load_tools(path)] == ["get_weather", "get_time"]


def test_draft07_refs_are_inlined_and_rewritten_to_2020_12():
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "definitions": {"loc": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
        "properties": {
            "origin": {"$ref": "#/definitions/loc", "description": "from"},
            "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "additionalItems": False},
        },
    }
    (tool,) = parse_tools({"tools": [{"name": "trip", "inputSchema": schema}]})
    props = tool.parameters["properties"]
    assert "$schema" not in tool.parameters and "definitions" not in tool.parameters
    assert props["origin"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "description": "from",
    }
    assert props["pair"] == {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False}


def test_draft04_boolean_exclusive_bounds_become_numeric():
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": True}},
    }
    (tool,) = parse_tools([{"name": "f", "inputSchema": schema}])
    assert tool.parameters["properties"]["n"] == {"type": "number", "exclusiveMinimum": 0}


def _openai(params, name="f"):
    return {"type": "function", "function": {"name": name, "parameters": params}}


ERROR_CASES = [
    (
        [
            _openai(PARAMS, "a"),
            _openai(PARAMS, "b"),
            _openai(PARAMS, "c"),
            _openai({"type": "object", "properties": {"city": {"type": "strng"}}}, "d"),
        ],
        "$[3].function.parameters.properties.city.type: 'strng' is not a valid type",
    ),
    ([_openai(PARAMS, "a"), _openai(PARAMS, "a")], "$[1]: duplicate tool name 'a' (first defined at $[0])"),
    ([_openai(PARAMS, "")], "$[0].function.name: tool name must be a non-empty string"),
    ([_openai({"type": "array"})], "$[0].function.parameters.type: parameters schema must have type 'object'"),
    ([_openai(["x"])], "$[0].function.parameters: parameters must be a JSON Schema object"),
    (
        [_openai({"type": "object", "properties": {"x": {"$ref": "#/$defs/missing"}}})],
        "$[0].function.parameters.properties.x.$ref: unresolvable $ref '#/$defs/missing'",
    ),
    (
        [
            _openai(
                {
                    "type": "object",
                    "$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}},
                    "properties": {"head": {"$ref": "#/$defs/n"}},
                }
            )
        ],
        "cyclic $ref '#/$defs/n'",
    ),
    (
        {"tools": [{"name": "x", "inputSchema": {"$schema": "http://example.com/s", "type": "object"}}]},
        "$.tools[0].inputSchema.$schema: unknown $schema",
    ),
    (
        [_openai({"type": "object", "properties": {"n": {"type": "integer", "minimum": "zero"}}})],
        "$[0].function.parameters.properties.n.minimum: 'zero' is not of type 'number'",
    ),
    ([{"foo": 1}], "$[0]: not a tool definition"),
    ([], "$: no tools defined"),
    ("{not json", "invalid JSON"),
]


@pytest.mark.parametrize(("data", "expected"), ERROR_CASES, ids=[e[1][:40] for e in ERROR_CASES])
def test_bad_tools_give_located_errors(write_json, data, expected):
    path = write_json(data)
    with pytest.raises(AgentftError) as info:
        load_tools(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_cli_error_is_one_clean_line_with_exit_code_2(write_json, tmp_path):
    path = write_json(ERROR_CASES[0][0])
    out = tmp_path / "ds"
    result = run_cli("build-dataset", path, "-o", out)
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {path}: $[3].function.parameters.properties.city.type: 'strng' is not a valid type"]
    assert "Traceback" not in result.stdout + result.stderr
    assert not out.exists()


def test_missing_file_is_a_clean_error(tmp_path):
    with pytest.raises(AgentftError, match="file not found"):
        load_tools(tmp_path / "nope.json")


@pytest.mark.parametrize("name", ["code_tools", "retrieval_tools", "safety_tools"])
def test_example_tool_sets_load(name):
    tools = load_tools(SCHEMAS / f"{name}.json")
    assert len(tools) >= 6


def test_real_third_party_tools_load():
    tools = load_tools(DATA / "bfcl_live_tools.jsonl")
    assert len(tools) == 120
    assert all(t.parameters["type"] == "object" for t in tools)
