"""JSON Schema plumbing: meta-schema checks, $ref inlining, and dialect normalization to Draft 2020-12.

Downstream code (synthesis, validation, constrained decoding) sees one dialect with no $ref: inlining is safe
because cyclic references are rejected here, and a ref-free schema is what small models and grammar
compilers handle best.
"""

from __future__ import annotations

import copy
from typing import Any

import referencing
import referencing.exceptions
import referencing.jsonschema
import regex
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from agentft.core.errors import AgentftError, json_path

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is a single subschema / a list of subschemas / a map of name -> subschema.
SUBSCHEMA_ONE = (
    "additionalProperties",
    "items",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
SUBSCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keywords that only annotate; they may sit beside $ref in any draft without changing validation.
ANNOTATIONS = ("description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment")

# BFCL (Gorilla) uses Python type names; these are their JSON Schema equivalents.
BFCL_TYPES: dict[str, str | None] = {
    "dict": "object",
    "float": "number",
    "tuple": "array",
    "list": "array",
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "any": None,  # unconstrained
}


def iter_subschemas(schema: dict[str, Any]):
    """Yield (path_parts, subschema) for the direct subschemas of `schema`."""
    for key in SUBSCHEMA_ONE:
        sub = schema.get(key)
        if isinstance(sub, dict):
            yield (key,), sub
        elif key == "items" and isinstance(sub, list):  # draft-04..07 tuple form
            for i, s in enumerate(sub):
                if isinstance(s, dict):
                    yield (key, i), s
    for key in SUBSCHEMA_LIST:
        subs = schema.get(key)
        if isinstance(subs, list):
            for i, s in enumerate(subs):
                if isinstance(s, dict):
                    yield (key, i), s
    for key in SUBSCHEMA_MAP:
        subs = schema.get(key)
        if isinstance(subs, dict):
            for name, s in subs.items():
                if isinstance(s, dict):
                    yield (key, name), s


def replace_at(schema: dict[str, Any], parts: tuple[str | int, ...], value: dict[str, Any]) -> None:
    """Set the subschema at `parts` in a shallow copy, copying the containers on the way (inputs stay intact)."""
    target = schema
    for part in parts[:-1]:
        target[part] = copy.copy(target[part])
        target = target[part]
    target[parts[-1]] = value


def map_bfcl_types(schema: Any) -> Any:
    """Return a copy of a BFCL parameter schema with Python type names mapped to JSON Schema types."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    typ = out.get("type")
    if isinstance(typ, str) and typ in BFCL_TYPES:
        mapped = BFCL_TYPES[typ]
        if mapped is None:
            del out["type"]
        else:
            out["type"] = mapped
    elif isinstance(typ, list):
        mapped_list = [BFCL_TYPES.get(t, t) if isinstance(t, str) else t for t in typ]
        if None in mapped_list:
            del out["type"]
        else:
            out["type"] = mapped_list
    for parts, sub in iter_subschemas(schema):
        replace_at(out, parts, map_bfcl_types(sub))
    return out


_DIALECTS = {
    cls.META_SCHEMA.get("$id", cls.META_SCHEMA.get("id", "")).rstrip("#"): cls
    for cls in (
        validators.Draft4Validator,
        validators.Draft6Validator,
        validators.Draft7Validator,
        validators.Draft201909Validator,
        Draft202012Validator,
    )
}


def _validator_class(schema: dict[str, Any]):
    declared = schema.get("$schema")
    if declared is None:
        return Draft202012Validator
    if not isinstance(declared, str) or declared.rstrip("#") not in _DIALECTS:
        raise AgentftError(f"unknown $schema {declared!r}", path="$.$schema")
    return _DIALECTS[declared.rstrip("#")]


def check_schema(schema: Any) -> None:
    """Check a schema against its declared meta-schema (2020-12 by default); raise with the JSON path at fault."""
    if not isinstance(schema, dict):
        raise AgentftError(f"schema must be an object, got {type(schema).__name__}", path="$")
    _raise_first(_validator_class(schema), schema)


def _raise_first(cls, schema: dict[str, Any]) -> None:
    """The most relevant meta-schema error as an AgentftError; `format: regex` is checked, so an invalid
    `pattern` is reported here and not as a traceback from the first validation."""
    error = best_match(cls(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER).iter_errors(schema))
    if error is None:
        return
    parts = list(error.absolute_path)
    if parts and parts[-1] == "type" and not isinstance(error.instance, (list, dict)):
        message = f"{error.instance!r} is not a valid type"
    else:
        message = error.message
    raise AgentftError(message, path=json_path(parts))


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve every $ref (local, $id-relative, $defs/definitions) into a ref-free schema.

    Raises AgentftError for unresolvable and cyclic references, with the path of the offending `$ref`.
    """
    spec = referencing.jsonschema.specification_with(
        schema.get("$schema", DRAFT_2020_12), default=referencing.jsonschema.DRAFT202012
    )
    resource = spec.create_resource(schema)
    registry = referencing.Registry().with_resource(resource.id() or "urn:agentft:root", resource)
    resolver = registry.resolver(base_uri=resource.id() or "urn:agentft:root")
    siblings_apply = spec is referencing.jsonschema.DRAFT202012 or spec is referencing.jsonschema.DRAFT201909

    def walk(node: dict[str, Any], res, path: list[str | int], stack: tuple[int, ...]) -> dict[str, Any]:
        sub_id = node.get("$id")
        if isinstance(sub_id, str) and path:
            res = res.in_subresource(spec.create_resource(node))
        if "$ref" in node:
            ref = node["$ref"]
            where = json_path([*path, "$ref"])
            if not isinstance(ref, str):
                raise AgentftError("$ref must be a string", path=where)
            try:
                resolved = res.lookup(ref)
            except referencing.exceptions.Unresolvable:
                raise AgentftError(f"unresolvable $ref {ref!r}", path=where) from None
            target = resolved.contents
            if not isinstance(target, dict):
                raise AgentftError(f"$ref {ref!r} does not point to a schema object", path=where)
            if id(target) in stack:
                raise AgentftError(f"cyclic $ref {ref!r} (recursive schemas are not supported)", path=where)
            inlined = walk(target, resolved.resolver, path, (*stack, id(target)))
            rest = {k: v for k, v in node.items() if k != "$ref"}
            annotations = {k: v for k, v in rest.items() if k in ANNOTATIONS}
            constraints = {k: v for k, v in rest.items() if k not in ANNOTATIONS}
            merged = {**inlined, **annotations}
            if constraints and siblings_apply:
                constraints = walk(constraints, res, path, stack)
                merged = {"allOf": [inlined, constraints], **annotations}
            return merged
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$defs", "definitions", "$id", "$schema", "$anchor", "$dynamicAnchor"):
                continue
            out[key] = value
        for parts, sub in iter_subschemas(node):
            if parts[0] in ("$defs", "definitions"):
                continue
            replace_at(out, parts, walk(sub, res, [*path, *parts], stack))
        return out

    return walk(schema, resolver, [], (id(schema),))


def to_2020_12(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite draft-04..07 idioms (tuple `items`, `additionalItems`, boolean exclusive bounds, `dependencies`)."""
    out = dict(schema)
    items = out.get("items")
    if isinstance(items, list):
        out["prefixItems"] = items
        extra = out.pop("additionalItems", None)
        if extra is None:
            del out["items"]
        else:
            out["items"] = extra
    else:
        out.pop("additionalItems", None)
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(out.get(exclusive), bool) and out.pop(exclusive) and bound in out:
            out[exclusive] = out.pop(bound)
    deps = out.pop("dependencies", None)
    if isinstance(deps, dict):
        for name, dep in deps.items():
            if isinstance(dep, list):
                out.setdefault("dependentRequired", {})[name] = dep
            else:
                out.setdefault("dependentSchemas", {})[name] = dep
    for parts, sub in iter_subschemas(out):
        replace_at(out, parts, to_2020_12(sub))
    return out


def normalize_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Meta-schema check, $ref inlining, then dialect rewrite: the one form every agentft component consumes."""
    check_schema(schema)
    out = to_2020_12(inline_refs(schema))
    _raise_first(Draft202012Validator, out)
    return out


PATTERN_TIMEOUT_S = 0.05


def pattern_search(pattern: str, text: str) -> bool:
    """`pattern` found in `text`, within PATTERN_TIMEOUT_S (TimeoutError past it)."""
    return regex.search(pattern, text, timeout=PATTERN_TIMEOUT_S) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]):
    """`pattern` with a time bound: Python's `re` backtracks without limit, so one tool schema with `^(a+)+$`
    and one argument the model got wrong would hang validation (and every server thread behind it)."""
    if not validator.is_type(instance, "string"):
        return
    try:
        matched = pattern_search(pattern, instance)
    except TimeoutError:
        yield ValidationError(f"{instance[:80]!r}: pattern {pattern!r} took too long to check")
        return
    if not matched:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


BoundedValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def compile_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A reusable validator (with format checking) for a normalized schema; build once, validate many."""
    return BoundedValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
