"""Repairs for the slips real tool files make, so one sloppy tool does not cost a user the whole build.

Each repair is a rewrite whose meaning is unambiguous (an `enum` on an array lists the items' values; a
`default: null` on a string only says "optional"), and each is reported with the JSON path it touched, so the user
can fix the file or accept the reading. Anything whose meaning is not clear stays an error.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from agentft.core.errors import json_path
from agentft.core.schema import BFCL_TYPES, iter_subschemas, replace_at


@dataclass(frozen=True)
class Repair:
    """One rewrite of the user's file: where, which known quirk, and what was done."""

    path: str
    kind: str
    message: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def _types(schema: dict[str, Any]) -> set[str]:
    typ = schema.get("type")
    if isinstance(typ, str):
        return {typ}
    if isinstance(typ, list):
        return {t for t in typ if isinstance(t, str)}
    return set()


def repair_schema(
    schema: dict[str, Any], where: list[str | int], repairs: list[Repair], python_types: bool
) -> dict[str, Any]:
    """A repaired copy of a parameters schema; every change is appended to `repairs` (paths relative to the file
    entry). `python_types` maps BFCL's Python type names where the format does not already mean them."""
    out = dict(schema)
    path = json_path(where)
    typ = out.get("type")
    if python_types and isinstance(typ, str) and typ in BFCL_TYPES:
        mapped = BFCL_TYPES[typ]
        repairs.append(Repair(f"{path}.type", "python_type", f"Python type {typ!r} read as {mapped or 'any type'}"))
        if mapped is None:
            del out["type"]
        else:
            out["type"] = mapped
    types = _types(out)
    if "array" in types and isinstance(out.get("enum"), list) and not any(isinstance(v, list) for v in out["enum"]):
        items = dict(out["items"]) if isinstance(out.get("items"), dict) else {}
        items.setdefault("enum", out.pop("enum"))
        out["items"] = items
        repairs.append(Repair(f"{path}.enum", "enum_on_array", "enum on an array moved to items.enum"))
    if "default" in out and out["default"] is None and types and "null" not in types:
        del out["default"]
        repairs.append(Repair(f"{path}.default", "null_default", f"default null dropped ({typ} is not nullable)"))
    properties = out.get("properties")
    if isinstance(properties, dict):
        required = out.get("required")
        flagged = [k for k, v in properties.items() if isinstance(v, dict) and isinstance(v.get("required"), bool)]
        if flagged:  # draft-03's `"required": true` inside the property
            names = list(required) if isinstance(required, list) else []
            props = dict(properties)
            for key in flagged:
                props[key] = {k: v for k, v in properties[key].items() if k != "required"}
                if properties[key]["required"] and key not in names:
                    names.append(key)
                repairs.append(
                    Repair(json_path([*where, "properties", key, "required"]), "required_flag", "moved to required")
                )
            out["properties"], out["required"] = props, names
            properties, required = props, names
        open_object = bool(out.get("additionalProperties")) or bool(out.get("patternProperties"))
        if isinstance(required, list) and not open_object:
            missing = [name for name in required if isinstance(name, str) and name not in properties]
            if missing:
                out["required"] = [name for name in required if name not in missing]
                repairs.append(
                    Repair(
                        f"{path}.required",
                        "required_missing",
                        f"required names undeclared {', '.join(map(repr, missing))}: dropped",
                    )
                )
    for parts, sub in iter_subschemas(out):
        replace_at(out, parts, repair_schema(sub, [*where, *parts], repairs, python_types))
    return out


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def describe_from_name(name: str) -> str:
    """'get_current_weather' / 'getCurrentWeather' -> 'Get current weather.': a tool needs some description."""
    words = _CAMEL.sub(" ", name.split(".")[-1]).replace("_", " ").replace("-", " ").split()
    text = " ".join(words).lower() or name
    return text[0].upper() + text[1:] + "."
