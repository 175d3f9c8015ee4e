"""Typed rejected variants of a chosen call, for DPO. Each one is verified to really be wrong."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

from agentft.core.calls import ToolCall, ToolCallParseError, parse_tool_calls
from agentft.core.tools import ToolSpec, tools_by_name
from agentft.core.validation import CallErrorKind, validate_call
from agentft.dataset.queries import no_tool_answer
from agentft.evaluation.bfcl import standardize_string

REJECTION_KINDS = (
    "wrong_tool",
    "missing_required",
    "wrong_type",
    "hallucinated_arg",
    "wrong_value",
    "malformed_json",
    "missing_call",  # one call of a parallel turn left out: the mistake small models make most on BFCL parallel
    "no_call",  # a prose reply saying no tool fits, although one does: the mirror of call_when_irrelevant
)
IRRELEVANT_REJECTION = "call_when_irrelevant"
CALL_AFTER_RESULT = "call_after_result"  # the tool called again although its result already answers the request
# a guard row's task-tool call: the harmful ask carried out, the planted instruction obeyed
UNSAFE_CALL = "unsafe_call"
_MISSING = object()  # "this variant does not apply to that value"
_HALLUCINATED = ["verbose", "user_id", "api_key", "force", "debug", "session_token", "priority", "retries"]


def _wrong_type_value(schema: dict[str, Any], value: Any) -> Any:
    typ = schema.get("type")
    types = {typ} if isinstance(typ, str) else set(typ or [])
    if not types:
        return _MISSING
    for candidate in ("not-a-number", 12345, ["x"], {"x": 1}, True):
        kind = {str: "string", int: "integer", list: "array", dict: "object", bool: "boolean"}[type(candidate)]
        compatible = kind in types or (kind == "integer" and "number" in types)
        if not compatible:
            return candidate
    return _MISSING


def _wrong_value(schema: dict[str, Any], value: Any, rng: random.Random) -> Any:
    if "enum" in schema:
        return f"{rng.choice(['unknown', 'other', 'default'])}_{len(schema['enum'])}"
    if "maximum" in schema:
        return schema["maximum"] + rng.randint(1, 100)
    if "minimum" in schema:
        return schema["minimum"] - rng.randint(1, 100)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + rng.randint(1, 9) * (1 if isinstance(value, int) else 1.5)
    if isinstance(value, str):
        return value[::-1] + "x" if value else "unexpected"
    return _MISSING


def _differs(chosen: ToolCall, rejected: ToolCall) -> bool:
    """BFCL-style comparison: names differ, or some argument differs after string standardization."""

    def norm(v: Any) -> Any:
        return standardize_string(v) if isinstance(v, str) else json.dumps(v, sort_keys=True)

    if chosen.name != rejected.name or chosen.arguments.keys() != rejected.arguments.keys():
        return True
    return any(norm(chosen.arguments[k]) != norm(rejected.arguments[k]) for k in chosen.arguments)


def make_rejected(
    kind: str, call: ToolCall, tool: ToolSpec, tools: list[ToolSpec], rng: random.Random
) -> dict[str, Any] | None:
    """An assistant message realising rejection `kind` for `call`, or None when the kind does not apply.

    The variant is returned only after it is verified wrong: it fails `validate_call`, fails to parse, or
    (for schema-valid variants) differs from the chosen call where the checker would notice.
    """
    args = copy.deepcopy(call.arguments)
    by_name = tools_by_name(tools)
    wrong: ToolCall | None = None
    expected_errors: set[CallErrorKind] = set()
    if kind == "wrong_tool":
        others = [t for t in tools if t.name != call.name]
        if not others:
            return None
        wrong = ToolCall(name=rng.choice(others).name, arguments=args)
    elif kind == "missing_required":
        if not tool.required:
            return None
        args.pop(rng.choice(tool.required), None)
        wrong, expected_errors = ToolCall(name=call.name, arguments=args), {CallErrorKind.MISSING_REQUIRED}
    elif kind == "wrong_type":
        options = [(k, _wrong_type_value(tool.properties.get(k, {}), v)) for k, v in args.items()]
        options = [(k, v) for k, v in options if v is not _MISSING]
        if not options:
            return None
        key, value = rng.choice(options)
        args[key] = value
        wrong, expected_errors = ToolCall(name=call.name, arguments=args), {CallErrorKind.SCHEMA_VIOLATION}
    elif kind == "hallucinated_arg":
        if tool.allows_extra_arguments:
            return None
        names = [n for n in _HALLUCINATED if n not in tool.properties]
        args[rng.choice(names)] = rng.choice([True, "auto", 3])
        wrong, expected_errors = ToolCall(name=call.name, arguments=args), {CallErrorKind.UNEXPECTED_ARGUMENT}
    elif kind == "wrong_value":
        options = [(k, _wrong_value(tool.properties.get(k, {}), v, rng)) for k, v in args.items()]
        options = [(k, v) for k, v in options if v is not _MISSING]
        if not options:
            return None
        key, value = rng.choice(options)
        args[key] = value
        wrong = ToolCall(name=call.name, arguments=args)
    elif kind in ("missing_call", "no_call"):  # turn-level mistakes: see rejected_for_calls
        return None
    elif kind == "malformed_json":
        body = json.dumps({"name": call.name, "arguments": args}, ensure_ascii=False)
        broken = body[:-1] if rng.random() < 0.5 else body.replace('"arguments": ', '"arguments" ', 1)
        text = f"<tool_call>\n{broken}\n</tool_call>"
        try:
            parse_tool_calls(text)
        except ToolCallParseError:
            return {"role": "assistant", "content": text}
        return None
    else:
        raise ValueError(f"unknown rejection kind {kind!r}")

    errors = validate_call(wrong, by_name)
    if expected_errors and not expected_errors & {e.kind for e in errors}:
        return None
    if not errors and not _differs(call, wrong):
        return None
    return {"role": "assistant", "tool_calls": [wrong.to_openai()]}


def rejected_for_calls(
    kind: str, calls: list[ToolCall], tools: list[ToolSpec], rng: random.Random
) -> dict[str, Any] | None:
    """Apply a rejection to one call of a (possibly parallel) turn; the others stay as chosen."""
    by_name = tools_by_name(tools)
    index = rng.randrange(len(calls))
    if kind == "missing_call":
        if len(calls) < 2:
            return None
        return {"role": "assistant", "tool_calls": [c.to_openai() for i, c in enumerate(calls) if i != index]}
    if kind == "no_call":  # the same words as a Hammer-style irrelevance answer, so the pair isolates the decision
        return {"role": "assistant", "content": no_tool_answer(by_name[calls[index].name])}
    message = make_rejected(kind, calls[index], by_name[calls[index].name], tools, rng)
    if message is None or "content" in message or len(calls) == 1:
        return message
    others = [c.to_openai() for c in calls]
    others[index] = message["tool_calls"][0]
    return {"role": "assistant", "tool_calls": others}


Synth = Callable[[ToolSpec], ToolCall]


def call_when_irrelevant(tools: list[ToolSpec], synth: Synth, rng: random.Random) -> dict[str, Any]:
    """For a request no tool fits: calling any tool at all is the mistake."""
    return {"role": "assistant", "tool_calls": [synth(rng.choice(tools)).to_openai()]}
