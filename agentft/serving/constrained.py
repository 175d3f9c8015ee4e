"""Schema-constrained decoding for the embedded backend with Outlines' logits processors.

Outlines builds the token mask for a JSON schema with a selectable grammar engine (llguidance, outlines_core,
xgrammar); agentft only feeds that processor to `model.generate`, so batching and per-row adapters stay its own.
Rows are grouped by constraint (one processor per group): a JSON schema for the whole reply, or, with
`constrain_calls`, the trained reply format itself (`calls_grammar`, llguidance only). xgrammar has been seen to emit
raw control characters inside JSON strings and does not enforce every regex bound; every reply is parsed and
validated, and one that fails is decoded again with llguidance, so a constrained request never yields an unparsable
or invalid call.
"""

from __future__ import annotations

import json
from typing import Any

from agentft.serving.protocol import Completion, GenerationRequest

GRAMMAR_BACKENDS = ("llguidance", "outlines_core", "xgrammar")
DEFAULT_GRAMMAR = "llguidance"
SAFE_REGEX = "^[A-Za-z0-9_ -]*$"
MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON reader (JavaScript's included) holds exactly
# Keywords no grammar engine implements; the reply is still validated against the full schema afterwards.
UNENFORCEABLE = frozenset({"dependentRequired", "dependentSchemas", "if", "then", "else", "not"})
# llguidance reads its options from the schema itself (so they also reach it through vLLM): JSON whitespace pinned to
# the trained format, and `lenient` to skip keywords it does not implement instead of refusing the schema.
GUIDANCE_OPTIONS = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": ", "lenient": True}


def with_guidance_options(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "x-guidance": GUIDANCE_OPTIONS}


class GrammarCache:
    """Outlines backends compile a schema once per tokenizer; keep the compiled processors factories per schema."""

    def __init__(self, model: Any, tokenizer: Any):
        import outlines

        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        self.outlines_model = outlines.from_transformers(base, tokenizer)
        self._xgrammar: Any = None

    def processor(self, backend: str, schema: dict[str, Any]) -> Any:
        """A logits processor for `schema`, with JSON whitespace pinned to the trained format (`", "`, `": "`):
        flexible whitespace lets a weak model pad with newlines until it runs out of tokens."""
        from outlines.backends import get_json_schema_logits_processor

        if backend == "llguidance":
            return get_json_schema_logits_processor(
                backend, self.outlines_model, json.dumps(with_guidance_options(schema))
            )
        if backend == "outlines_core":
            return get_json_schema_logits_processor(backend, self.outlines_model, json.dumps(schema), r"[ ]?")
        if backend == "xgrammar":  # Outlines does not expose xgrammar's whitespace switch; compile with it directly
            from outlines.backends.xgrammar import XGrammarBackend, XGrammarLogitsProcessor

            if self._xgrammar is None:
                self._xgrammar = XGrammarBackend(self.outlines_model)
            compiled = self._xgrammar.grammar_compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False, separators=(", ", ": ")
            )
            return XGrammarLogitsProcessor(compiled, self._xgrammar.tensor_library_name)
        raise ValueError(f"unknown grammar backend {backend!r}; choose from {', '.join(GRAMMAR_BACKENDS)}")

    def grammar_processor(self, lark: str) -> Any:
        """A logits processor for a Lark grammar (`calls_grammar`); only llguidance reads its `%json` rules."""
        from outlines.backends import get_cfg_logits_processor

        return get_cfg_logits_processor(DEFAULT_GRAMMAR, self.outlines_model, lark)


def calls_grammar(tools: list[Any], max_string_length: int | None = None) -> str:
    """A Lark grammar (llguidance's dialect, `%json` for embedded JSON schemas) of the reply as trained: plain text
    that never opens a `<tool_call>`, or one or more `<tool_call>` blocks exactly as `format_tool_calls` writes them,
    each holding a call valid for one of `tools`. The model decides between answering and calling, and how many
    calls to make; a call can no longer carry `5C` for a number, an unknown name or a missing required argument."""
    from agentft.core.validation import tool_call_schema

    call = with_guidance_options(constraint_schema(tool_call_schema(tools), DEFAULT_GRAMMAR, max_string_length))
    return (
        'start: calls | TEXT\ncalls: call ("\\n" call)*\n'
        f'call: "<tool_call>\\n" %json {json.dumps(call)} "\\n</tool_call>"\n'
        "TEXT: /(?s:.)+/ & ~/(?s:.)*<tool_call>(?s:.)*/\n"
    )


def constraint_schema(schema: Any, grammar: str, max_string_length: int | None = None) -> Any:
    """The schema a grammar engine can enforce: no `format: regex` (no grammar can express "a valid regex"), no
    formats at all for outlines_core (it rejects them); optionally bounded strings (and integers, to JSON's safe
    range) so that even a random model must close every value before `max_new_tokens` (validation still checks the
    result against the full schema)."""
    if isinstance(schema, list):
        return [constraint_schema(s, grammar, max_string_length) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "format" and value == "regex" and "pattern" not in schema:
            out["pattern"] = SAFE_REGEX  # literal text is always a valid regex
            continue
        if key == "format" and grammar == "outlines_core":
            continue
        if key in UNENFORCEABLE:
            continue
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            out[key] = {k: constraint_schema(v, grammar, max_string_length) for k, v in value.items()}
        elif key in ("const", "enum", "default", "examples", "required"):
            out[key] = value
        else:
            out[key] = constraint_schema(value, grammar, max_string_length)
    items = out.get("items")
    if out.get("uniqueItems") and isinstance(items, dict) and ("enum" in items or "const" in items):
        # no grammar enforces uniqueness, but it can stop a looping model at the count of distinct values: a weak
        # adapter otherwise repeats `"credit_card", ` until `max_new_tokens` and the whole reply is lost
        distinct = len(items["enum"]) if "enum" in items else 1
        out["maxItems"] = min(out.get("maxItems", distinct), distinct)
    types = out.get("type") if isinstance(out.get("type"), list) else [out.get("type")]  # ["string", "null"] too
    if max_string_length is not None and "string" in types and not {"enum", "const", "pattern"} & schema.keys():
        out["maxLength"] = max(
            min(out.get("maxLength", max_string_length), max_string_length), out.get("minLength", 0)
        )
    if max_string_length is not None and "integer" in types and not {"enum", "const"} & schema.keys():
        # an unbounded integer lets a looping model write digits until the budget ends ("32222222…")
        out.setdefault("maximum", MAX_SAFE_INTEGER)
        out.setdefault("minimum", -MAX_SAFE_INTEGER)
    return out


def generate_constrained(backend: Any, requests: list[GenerationRequest]) -> list[Completion]:
    """Group by constraint (and adapter, for schemas) and decode each group under it; unconstrained rows go the
    normal way."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(requests):
        # a call grammar decodes rows on different adapters in one batch; a schema group keeps to one adapter
        key = json.dumps([r.schema, r.tools, None] if r.constrain_calls else [r.schema, r.adapter], sort_keys=True)
        groups.setdefault(key, []).append(i)
    out: list[Completion | None] = [None] * len(requests)
    for indices in groups.values():
        chunk = [requests[i] for i in indices]
        for start in range(0, len(chunk), backend.batch_size):
            part = chunk[start : start + backend.batch_size]
            results = backend.run_constrained(part, backend.grammar)
            retry = [
                j
                for j, c in enumerate(results)
                if not c.valid and backend.grammar != DEFAULT_GRAMMAR and not part[j].constrain_calls
            ]
            if retry:
                fixed = backend.run_constrained([part[j] for j in retry], DEFAULT_GRAMMAR)
                for j, c in zip(retry, fixed, strict=True):
                    results[j] = c
            for i, c in zip(indices[start : start + backend.batch_size], results, strict=True):
                out[i] = c
    return [c for c in out if c is not None]
