import random

import jsonschema
import pytest

from agentft.core.calls import ToolCall
from agentft.core.tools import load_tools, parse_tools
from agentft.core.validation import CallErrorKind, tool_call_schema, validate_call
from agentft.dataset.negatives import REJECTION_KINDS, make_rejected
from agentft.dataset.synth import ArgumentSynthesizer
from tests.conftest import SCHEMAS

TOOLS = parse_tools(
    [
        {
            "type": "function",
            "function": {
                "name": "book",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string"},
                        "nights": {"type": "integer", "minimum": 1, "maximum": 30},
                        "guest": {
                            "type": "object",
                            "properties": {"email": {"type": "string", "format": "email"}},
                            "required": ["email"],
                        },
                    },
                    "required": ["city", "nights"],
                },
            },
        }
    ]
)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (ToolCall(name="book", arguments={"city": "Oslo", "nights": 2}), []),
        (ToolCall(name="fly", arguments={}), [(CallErrorKind.UNKNOWN_TOOL, "$")]),
        (ToolCall(name="book", arguments={"city": "Oslo"}), [(CallErrorKind.MISSING_REQUIRED, "$.nights")]),
        (
            ToolCall(name="book", arguments={"city": "Oslo", "nights": 2, "pets": True}),
            [(CallErrorKind.UNEXPECTED_ARGUMENT, "$.pets")],
        ),
        (
            ToolCall(name="book", arguments={"city": "Oslo", "nights": 99}),
            [(CallErrorKind.SCHEMA_VIOLATION, "$.nights")],
        ),
        (
            ToolCall(name="book", arguments={"city": "Oslo", "nights": "2"}),
            [(CallErrorKind.SCHEMA_VIOLATION, "$.nights")],
        ),
        (
            ToolCall(name="book", arguments={"city": "Oslo", "nights": 2, "guest": {"email": "nope"}}),
            [(CallErrorKind.SCHEMA_VIOLATION, "$.guest.email")],
        ),
        (
            ToolCall(name="book", arguments={"city": "Oslo", "nights": 2, "guest": {}}),
            [(CallErrorKind.SCHEMA_VIOLATION, "$.guest")],
        ),
    ],
)
def test_validate_call_typed_errors(call, expected):
    assert [(e.kind, e.path) for e in validate_call(call, TOOLS)] == expected


def _calls_and_negatives(tools, count):
    rng = random.Random(7)
    for i in range(count):
        tool = tools[i % len(tools)]
        call = ArgumentSynthesizer(rng).call(tool)
        yield call
        for kind in REJECTION_KINDS:
            message = make_rejected(kind, call, tool, tools, rng)
            if message and "tool_calls" in message:
                fn = message["tool_calls"][0]["function"]
                yield ToolCall(name=fn["name"], arguments=fn["arguments"])


@pytest.mark.parametrize("name", ["code_tools", "retrieval_tools", "safety_tools"])
def test_tool_call_schema_accepts_exactly_the_valid_calls(name):
    tools = load_tools(SCHEMAS / f"{name}.json")
    validator = jsonschema.Draft202012Validator(
        tool_call_schema(tools), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    parallel = jsonschema.Draft202012Validator(
        tool_call_schema(tools, parallel=True), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    outcomes = set()
    for call in _calls_and_negatives(tools, 60):
        valid = not validate_call(call, tools)
        instance = {"name": call.name, "arguments": call.arguments}
        assert validator.is_valid(instance) == valid, call
        assert parallel.is_valid([instance, instance]) == valid
        outcomes.add(valid)
    assert outcomes == {True, False}
    assert not parallel.is_valid([])
