"""Tool definitions: load OpenAI, BFCL and MCP tool lists into one normalized `ToolSpec`.

Every parameters schema is checked against its meta-schema, its $refs are inlined, and it is rewritten to
Draft 2020-12, so everything downstream handles one dialect. Errors carry the file and JSON path at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from agentft.core.errors import AgentftError, json_path
from agentft.core.io import read_json_or_jsonl
from agentft.core.repairs import Repair, describe_from_name, repair_schema
from agentft.core.schema import compile_validator, map_bfcl_types, normalize_schema

# The example tool sets shipped in schemas/, one per skill adapter: LoRA-as-Tools' code, retrieval and safety.
SKILL_TOOLS = {"code": "code_tools.json", "retrieval": "retrieval_tools.json", "safety": "safety_tools.json"}

ToolFormat = Literal["openai", "bfcl", "mcp"]
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
MAX_NAME = 64  # OpenAI's limit on function names


class ToolSpec(BaseModel):
    """A tool an agent can call: its name, what it does, and a ref-free Draft 2020-12 parameters schema."""

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    @cached_property
    def validator(self) -> Draft202012Validator:
        return compile_validator(self.parameters)

    @property
    def properties(self) -> dict[str, Any]:
        return self.parameters.get("properties", {})

    @property
    def required(self) -> list[str]:
        return list(self.parameters.get("required", []))

    @property
    def allows_extra_arguments(self) -> bool:
        """Undeclared arguments are rejected unless the schema explicitly opens the object up."""
        extra = self.parameters.get("additionalProperties", False)
        return bool(extra) or bool(self.parameters.get("patternProperties"))

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def _detect(entry: Any) -> ToolFormat:
    if isinstance(entry, dict):
        if isinstance(entry.get("function"), dict):
            return "openai"
        if "inputSchema" in entry:
            return "mcp"
        if "name" in entry:
            return "bfcl"
    raise AgentftError(
        "not a tool definition: expected an OpenAI {'type':'function','function':{...}}, "
        "a BFCL {'name','description','parameters'} or an MCP {'name','inputSchema'} object"
    )


def parse_tool(entry: Any, repairs: list[Repair] | None = None) -> ToolSpec:
    """Normalize one tool definition of any supported format; errors are relative to the entry (`$...`).

    With a `repairs` list, known real-world slips are rewritten (see `agentft.core.repairs`) and each rewrite is
    appended to it; without one, the file must be right as written."""
    fmt = _detect(entry)
    if fmt == "openai":
        body, base = entry["function"], ["function"]
        kind = entry.get("type", "function")
        if kind != "function":
            raise AgentftError(f"unsupported tool type {kind!r} (only 'function')", path="$.type")
        schema_key = "parameters"
    elif fmt == "mcp":
        body, base, schema_key = entry, [], "inputSchema"
    else:
        body, base, schema_key = entry, [], "parameters"

    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AgentftError("tool name must be a non-empty string", path=json_path([*base, "name"]))
    if len(name) > MAX_NAME:
        raise AgentftError(f"tool name is {len(name)} characters, over {MAX_NAME}", path=json_path([*base, "name"]))
    if not _NAME_RE.match(name):
        raise AgentftError(
            f"invalid tool name {name!r} (letters, digits, '_', '.', '-'; not starting with a digit)",
            path=json_path([*base, "name"]),
        )
    description = body.get("description", "") or ""
    if not isinstance(description, str):
        raise AgentftError("description must be a string", path=json_path([*base, "description"]))
    if repairs is not None and not description.strip():
        description = describe_from_name(name)
        repairs.append(Repair(json_path([*base, "description"]), "no_description", f"described as {description!r}"))

    schema = body.get(schema_key, {"type": "object", "properties": {}})
    where = [*base, schema_key]
    if not isinstance(schema, dict):
        raise AgentftError(
            f"parameters must be a JSON Schema object, got {type(schema).__name__}", path=json_path(where)
        )
    if fmt == "bfcl":
        schema = map_bfcl_types(schema)
    if repairs is not None:
        schema = repair_schema(schema, where, repairs, python_types=fmt != "bfcl")
    if schema.get("type", "object") != "object":
        raise AgentftError(
            f"parameters schema must have type 'object', got {schema.get('type')!r}", path=json_path([*where, "type"])
        )
    try:
        normalized = normalize_schema(schema)
    except AgentftError as err:
        raise err.located(prefix=where) from None
    normalized.setdefault("type", "object")
    normalized.setdefault("properties", {})
    return ToolSpec(name=name, description=description.strip(), parameters=normalized)


def _entries(data: Any) -> tuple[list[Any], list[str]]:
    """Find the list of tool entries in a loaded file and the JSON path prefix it sits under."""
    if isinstance(data, dict) and "tools" in data:
        tools = data["tools"]
        if not isinstance(tools, list):
            raise AgentftError("'tools' must be a list", path="$.tools")
        return tools, ["tools"]
    if isinstance(data, dict):
        return [data], []
    if isinstance(data, list):
        return data, []
    raise AgentftError(f"expected a list of tools or an object with 'tools', got {type(data).__name__}", path="$")


def parse_tools(data: Any, source: str | Path | None = None, repairs: list[Repair] | None = None) -> list[ToolSpec]:
    """Normalize an in-memory tool list (any supported shape); errors name `source` and the JSON path. Repairs
    (when a list is given) are located in the file like errors are."""
    try:
        entries, prefix = _entries(data)
    except AgentftError as err:
        raise err.located(file=source) from None
    if not entries:
        raise AgentftError("no tools defined", file=source, path=json_path(prefix))
    tools: list[ToolSpec] = []
    seen: dict[str, int] = {}
    single = isinstance(data, dict) and not prefix
    for index, entry in enumerate(entries):
        where = prefix if single else [*prefix, index]
        found: list[Repair] | None = None if repairs is None else []
        try:
            tool = parse_tool(entry, found)
        except AgentftError as err:
            raise err.located(file=source, prefix=where) from None
        if found:
            repairs.extend(Repair(json_path(where) + r.path[1:], r.kind, r.message) for r in found)
        if tool.name in seen:
            raise AgentftError(
                f"duplicate tool name {tool.name!r} (first defined at {json_path([*prefix, seen[tool.name]])})",
                file=source,
                path=json_path(where),
            )
        seen[tool.name] = index
        tools.append(tool)
    return tools


def load_tools(path: str | Path, repairs: list[Repair] | None = None) -> list[ToolSpec]:
    """Load a tools file (JSON or JSONL; OpenAI, BFCL or MCP shape, auto-detected)."""
    return parse_tools(read_json_or_jsonl(path), source=path, repairs=repairs)


def tools_by_name(tools: Iterable[ToolSpec] | dict[str, ToolSpec]) -> dict[str, ToolSpec]:
    if isinstance(tools, dict):
        return tools
    return {tool.name: tool for tool in tools}
