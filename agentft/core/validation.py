"""Validate tool calls against their tools, and build the JSON Schema that exactly the valid calls satisfy."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from enum import Enum
from typing import Any

from pydantic import BaseModel

from agentft.core.calls import ToolCall
from agentft.core.errors import json_path
from agentft.core.tools import ToolSpec, tools_by_name


class CallErrorKind(str, Enum):
    UNKNOWN_TOOL = "unknown_tool"
    MISSING_REQUIRED = "missing_required"
    UNEXPECTED_ARGUMENT = "unexpected_argument"
    SCHEMA_VIOLATION = "schema_violation"


class CallError(BaseModel):
    kind: CallErrorKind
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.path}: {self.message}"


def validate_call(call: ToolCall, tools: Iterable[ToolSpec] | dict[str, ToolSpec]) -> list[CallError]:
    """All the ways `call` is wrong for `tools` (empty list = valid). Paths are relative to the arguments (`$`)."""
    tool = tools_by_name(tools).get(call.name)
    if tool is None:
        return [CallError(kind=CallErrorKind.UNKNOWN_TOOL, path="$", message=f"no tool named {call.name!r}")]
    args = call.arguments
    errors = [
        CallError(
            kind=CallErrorKind.MISSING_REQUIRED, path=json_path([name]), message=f"missing required argument {name!r}"
        )
        for name in tool.required
        if name not in args
    ]
    if not tool.allows_extra_arguments:
        errors += [
            CallError(
                kind=CallErrorKind.UNEXPECTED_ARGUMENT,
                path=json_path([name]),
                message=f"unexpected argument {name!r} for {tool.name!r}",
            )
            for name in args
            if name not in tool.properties
        ]
    for err in tool.validator.iter_errors(_jsonable(args)):
        if not err.absolute_path and err.validator in ("required", "additionalProperties"):
            continue  # already reported above with a more specific kind
        errors.append(
            CallError(kind=CallErrorKind.SCHEMA_VIOLATION, path=json_path(err.absolute_path), message=err.message)
        )
    return errors


def _jsonable(value: Any) -> Any:
    """Python-syntax calls may carry tuples; JSON Schema sees them as arrays."""
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def strict_arguments_schema(tool: ToolSpec) -> dict[str, Any]:
    """The tool's parameters with undeclared arguments closed off, matching `validate_call`'s rule."""
    schema = copy.deepcopy(tool.parameters)
    if not tool.allows_extra_arguments:
        schema["additionalProperties"] = False
    return schema


def single_call_schema(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"name": {"const": tool.name}, "arguments": strict_arguments_schema(tool)},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def tool_call_schema(tools: Iterable[ToolSpec], *, parallel: bool = False) -> dict[str, Any]:
    """JSON Schema of `{"name": ..., "arguments": {...}}` (or a non-empty list of them when `parallel`).

    An instance validates iff `validate_call` accepts it for `tools`; this is what constrained decoding uses.
    """
    options = [single_call_schema(tool) for tool in tools]
    if not options:
        raise ValueError("tool_call_schema needs at least one tool")
    one = options[0] if len(options) == 1 else {"anyOf": options}
    if not parallel:
        return one
    return {"type": "array", "items": one, "minItems": 1}


ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "minLength": 1}},
    "required": ["answer"],
    "additionalProperties": False,
}


def reply_schema(tools: Iterable[ToolSpec], *, parallel: bool = False, allow_answer: bool = True) -> dict[str, Any]:
    """The default constraint of a generation request: a valid call for `tools`, or `{"answer": text}`."""
    calls = tool_call_schema(tools, parallel=parallel)
    return {"anyOf": [calls, ANSWER_SCHEMA]} if allow_answer else calls
