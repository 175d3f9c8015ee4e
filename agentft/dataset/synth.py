"""Synthesize tool-call arguments from a (normalized, ref-free) JSON Schema.

Values are realistic where parameter names suggest a kind (city, email, path, query...), honour every
constraint the schema states, and are deterministic for a given `random.Random`. Every generated call is
validated against the tool's schema; a schema that cannot be satisfied after a few attempts is reported
loudly instead of emitting an invalid call.
"""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

import regex

from agentft.core.calls import ToolCall
from agentft.core.errors import AgentftError, json_path
from agentft.core.schema import pattern_search
from agentft.core.tools import ToolSpec
from agentft.core.validation import validate_call
from agentft.dataset.values import (
    CONCEPT_VALUES,
    PROGRAMMING_LANGUAGES,
    WEAK_POOLS,
    Regex,
    concept_for,
    description_examples,
    hint_for,
    number_range,
    pools,
)

MAX_ATTEMPTS = 25
MAX_DEPTH = 8
_MISSING = object()

FORMAT_POOLS = {
    "email": "email",
    "idn-email": "email",
    "uri": "url",
    "iri": "url",
    "url": "url",
    "hostname": "domain",
    "idn-hostname": "domain",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "date": "date",
    "time": "time",
    "date-time": "date-time",
}


class SynthesisError(AgentftError):
    """A schema no synthesized value satisfies; `parts` locate it inside the parameters schema."""

    parts: tuple[str | int, ...] = ()

    def inside(self, *parts: str | int) -> SynthesisError:
        err = SynthesisError(self.message, file=self.file, path=self.path)
        err.parts = (*parts, *self.parts)
        return err


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Fold `allOf` branches into one schema to generate from (the full schema still validates the result)."""
    parts = schema.get("allOf")
    if not parts:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        part = merge_all_of(part)
        for key, value in part.items():
            if key == "properties":
                props = dict(merged.get("properties", {}))
                for name, sub in value.items():
                    props[name] = merge_all_of({"allOf": [props[name], sub]}) if name in props else sub
                merged["properties"] = props
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
                merged[key] = max(merged.get(key, value), value)
            elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
                merged[key] = min(merged.get(key, value), value)
            elif key == "type" and "type" in merged:
                a = {merged["type"]} if isinstance(merged["type"], str) else set(merged["type"])
                b = {value} if isinstance(value, str) else set(value)
                if "integer" in (a | b) and "number" in (a | b):
                    a, b = a | {"integer"}, b | {"integer"}
                common = sorted(a & b)
                merged["type"] = common[0] if len(common) == 1 else common
            elif key == "enum" and "enum" in merged:
                merged["enum"] = [v for v in merged["enum"] if v in value]
            else:
                merged[key] = value
    return merged


def _infer_type(schema: dict[str, Any]) -> str | None:
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema or "minItems" in schema:
        return "array"
    if any(k in schema for k in ("pattern", "minLength", "maxLength", "format")):
        return "string"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return None


def _fits(text: str, lo: int, hi: int | None) -> bool:
    return lo <= len(text) and (hi is None or len(text) <= hi)


def _matches(pattern: str, text: str) -> bool:
    try:
        return pattern_search(pattern, text)
    except (TimeoutError, regex.error):  # a catastrophic or unusual pattern: leave it to its own generator
        return False


class ArgumentSynthesizer:
    """Draws schema-valid arguments. One instance per example keeps generation reproducible per seed."""

    def __init__(self, rng: random.Random, optional_rate: float = 0.5, null_rate: float = 0.1):
        self.rng = rng
        self.optional_rate = optional_rate
        self.null_rate = null_rate
        self.pools = pools()
        self.regex = Regex(rng)

    # -- entry point -------------------------------------------------------------------------------------

    def call(self, tool: ToolSpec) -> ToolCall:
        """A call whose arguments validate against `tool`'s schema, or SynthesisError."""
        errors = []
        for _ in range(MAX_ATTEMPTS):
            try:
                arguments = self.value(tool.parameters, name=tool.name, depth=0)
            except SynthesisError as err:
                raise SynthesisError(
                    f"cannot synthesize valid arguments for tool {tool.name!r}: {err.message}",
                    path=json_path(["parameters", *err.parts]),
                ) from None
            call = ToolCall(name=tool.name, arguments=arguments)
            errors = validate_call(call, {tool.name: tool})
            if not errors:
                return call
        schema_error = next(tool.validator.iter_errors(call.arguments), None)
        where = ["parameters", *schema_error.absolute_schema_path] if schema_error else ["parameters"]
        raise SynthesisError(
            f"cannot synthesize valid arguments for tool {tool.name!r}: {errors[0].message}", path=json_path(where)
        )

    # -- dispatch ----------------------------------------------------------------------------------------

    def value(self, schema: dict[str, Any] | bool, name: str = "", depth: int = 0) -> Any:
        if schema is True or schema == {}:
            return self._string(name, {})
        if schema is False:
            raise SynthesisError(f"parameter {name!r} accepts no value (schema is false)")
        if "allOf" in schema:
            schema = merge_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            if not schema["enum"]:
                raise SynthesisError(f"parameter {name!r} has an empty enum")
            return self.rng.choice(schema["enum"])
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            branch = self.rng.choice(branches)
            return self.value(merge_all_of({"allOf": [rest, branch]}) if rest else branch, name, depth)
        typ = schema.get("type") or _infer_type(schema)
        if isinstance(typ, list):
            options = [t for t in typ if t != "null"]
            if "null" in typ and (not options or self.rng.random() < self.null_rate):
                return None
            typ = self.rng.choice(options)
        if typ is None:
            return self._string(name, {})
        generator = getattr(self, f"_{typ}", None)
        if generator is None:
            raise SynthesisError(f"parameter {name!r} has unsupported type {typ!r}")
        if typ in ("object", "array"):
            return generator(name, schema, depth)
        return generator(name, schema)

    # -- scalars -----------------------------------------------------------------------------------------

    def _null(self, name: str, schema: dict[str, Any]) -> None:
        return None

    def _boolean(self, name: str, schema: dict[str, Any]) -> bool:
        return self.rng.random() < 0.5

    def _string(self, name: str, schema: dict[str, Any]) -> str:
        lo = schema.get("minLength", 0)
        hi = schema.get("maxLength")
        if "pattern" not in schema:
            return self._unpatterned_string(name, schema, lo, hi)
        for _ in range(10):
            # a pattern often pins only a prefix ("^https://" on a URI): its own shortest match is no real value
            natural = self._unpatterned_string(name, schema, lo, hi)
            if _fits(natural, lo, hi) and _matches(schema["pattern"], natural):
                return natural
        for _ in range(10):
            text = self.regex.xeger(schema["pattern"])
            if _fits(text, lo, hi):
                return text
        return text

    def _unpatterned_string(self, name: str, schema: dict[str, Any], lo: int, hi: int | None) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt in FORMAT_POOLS:
            return self.rng.choice(self.pools[FORMAT_POOLS[fmt]])
        if fmt == "duration":
            return self.rng.choice(["PT30M", "PT2H", "P1D", "P2W", "PT45S"])
        if fmt == "uri-reference":
            return "/" + self.rng.choice(self.pools["path"])
        if fmt == "regex":
            return self.rng.choice([r"^[a-z]+$", r"\d{3}-\d{4}", r"TODO|FIXME"])
        if fmt == "json-pointer":
            return "/" + "/".join(self.rng.sample(self.pools["tag"], 2))
        text = self._hinted_string(name, schema.get("description", ""))
        if hi is not None and len(text) > hi:
            text = text[:hi].rstrip() or text[:hi]
        while len(text) < lo:
            text += (" " if text else "") + self.rng.choice(self.pools["word"])
        if hi is not None and len(text) > hi:
            text = text[:hi]
        return text

    def _hinted_string(self, name: str, description: str = "") -> str:
        description = description if isinstance(description, str) else ""
        lowered = name.lower()
        if "lang" in lowered and ("code" in lowered or "program" in lowered):
            return self.rng.choice(PROGRAMMING_LANGUAGES)
        examples = description_examples(description)
        if examples and self.rng.random() < 0.5:  # the description's own examples, half the time
            return self.rng.choice(examples)
        pool = hint_for(name, description)
        if pool == "language" and "program" in f"{lowered} {description}".lower():
            return self.rng.choice(PROGRAMMING_LANGUAGES)
        if pool in WEAK_POOLS and (concept := concept_for(name, description)):
            return self.rng.choice(CONCEPT_VALUES[concept])
        return self.rng.choice(self.pools[pool or "word"])

    def _bounds(self, name: str, schema: dict[str, Any], integer: bool) -> tuple[float, float]:
        lo, hi = number_range(name)
        has_lo = "minimum" in schema or "exclusiveMinimum" in schema
        has_hi = "maximum" in schema or "exclusiveMaximum" in schema
        step = 1 if integer else 0.01
        if "minimum" in schema:
            lo = schema["minimum"]
        if "exclusiveMinimum" in schema:
            lo = (
                max(lo, schema["exclusiveMinimum"] + step)
                if "minimum" in schema
                else schema["exclusiveMinimum"] + step
            )
        if "maximum" in schema:
            hi = schema["maximum"]
        if "exclusiveMaximum" in schema:
            hi = (
                min(hi, schema["exclusiveMaximum"] - step)
                if "maximum" in schema
                else schema["exclusiveMaximum"] - step
            )
        if has_lo and not has_hi and hi < lo:
            hi = lo + 100
        if has_hi and not has_lo and lo > hi:
            lo = hi - 100
        if integer:
            lo, hi = math.ceil(lo), math.floor(hi)
        if lo > hi:
            raise SynthesisError(f"parameter {name!r} has an empty numeric range")
        return lo, hi

    def _integer(self, name: str, schema: dict[str, Any]) -> int:
        lo, hi = self._bounds(name, schema, integer=True)
        multiple = schema.get("multipleOf")
        if multiple:
            return int(self._multiple(name, lo, hi, multiple))
        return self._whole(lo, hi)

    def _whole(self, lo: float, hi: float) -> int:
        """A whole number in range; wide ranges give round ones mostly, as people write them ("$200,000")."""
        lo, hi = math.ceil(lo), math.floor(hi)
        value = self.rng.randint(lo, hi)
        if hi - lo >= 10_000 and self.rng.random() < 0.7:
            step = 10 ** (len(str(abs(value))) - 2)  # keep two significant digits
            rounded = round(value / step) * step
            value = rounded if lo <= rounded <= hi else value
        return value

    def _multiple(self, name: str, lo: float, hi: float, multiple: float) -> float:
        k_lo, k_hi = math.ceil(lo / multiple), math.floor(hi / multiple)
        if k_lo > k_hi:
            raise SynthesisError(f"parameter {name!r}: no multiple of {multiple} in range")
        return self.rng.randint(k_lo, k_hi) * multiple

    def _number(self, name: str, schema: dict[str, Any]) -> float:
        lo, hi = self._bounds(name, schema, integer=False)
        multiple = schema.get("multipleOf")
        if multiple:
            decimals = max(0, -math.floor(math.log10(multiple))) if multiple < 1 else 0
            return round(self._multiple(name, lo, hi, multiple), decimals + 2)
        if hi - lo >= 2 and self.rng.random() < 0.5:  # people mostly ask with whole numbers: "a radius of 5"
            return self._whole(lo, hi)
        value = round(self.rng.uniform(lo, hi), 2)
        return min(max(value, lo), hi)

    # -- containers --------------------------------------------------------------------------------------

    def _array(self, name: str, schema: dict[str, Any], depth: int) -> list[Any]:
        prefix = schema.get("prefixItems", [])
        items = schema.get("items", {} if not prefix else False)
        lo = schema.get("minItems", 1 if not prefix else len(prefix))
        hi = schema.get("maxItems", max(lo, min(len(prefix) + 3, lo + 3)) if items is not False else len(prefix))
        hi = max(lo, hi)
        if depth >= MAX_DEPTH:
            hi = lo
        count = self.rng.randint(lo, hi)
        singular = name[:-1] if name.endswith("s") else name
        out: list[Any] = []
        seen: set[str] = set()
        attempts = 0
        while len(out) < count and attempts < count * 10 + 10:
            attempts += 1
            index = len(out)
            if index < len(prefix):
                item = self.value(prefix[index], singular, depth + 1)
            elif items is False:
                break
            else:
                item = self.value(items, singular, depth + 1)
            if schema.get("uniqueItems"):
                key = repr(item)
                if key in seen:
                    continue
                seen.add(key)
            out.append(item)
        if "contains" in schema and out:
            out[self.rng.randrange(len(out))] = self.value(schema["contains"], singular, depth + 1)
        return out

    def _object(self, name: str, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        dependent = schema.get("dependentRequired", {})
        out: dict[str, Any] = {}
        chosen = [
            key
            for key in properties
            if key in required or (depth < MAX_DEPTH and self.rng.random() < self.optional_rate)
        ]
        chosen += [key for key in schema.get("required", []) if key not in properties]
        for key in list(chosen):
            for extra in dependent.get(key, []):
                if extra not in chosen:
                    chosen.append(extra)
        minimum = schema.get("minProperties", 0)
        spare = [k for k in properties if k not in chosen]
        while len(chosen) < minimum and spare:
            chosen.append(spare.pop(self.rng.randrange(len(spare))))
        for key in properties:
            if key in chosen:
                try:
                    out[key] = self.value(properties[key], key, depth + 1)
                except SynthesisError as err:
                    raise err.inside("properties", key) from None
        for key in chosen:
            if key not in properties:  # required but undeclared: let additionalProperties decide its shape
                extra = schema.get("additionalProperties", {})
                out[key] = self.value(extra if isinstance(extra, dict) else {}, key, depth + 1)
        extra_schema = schema.get("additionalProperties")
        while len(out) < minimum and isinstance(extra_schema, dict):
            out[self.rng.choice(self.pools["tag"]) + str(len(out))] = self.value(extra_schema, name, depth + 1)
        return out
