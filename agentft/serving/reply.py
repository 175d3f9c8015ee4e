"""One validated reply per request, as every caller of a backend wants it: the reply as trained first (Hermes
`<tool_call>` blocks, or plain text for an answer; on backends that can, with every call held to the tools' schemas:
`GenerationRequest.constrain_calls`), then — only for a reply that is neither a valid call nor an allowed answer —
the same request under the tools' JSON schema, then resamples. An adapter never trained on the schema's
`{"answer": ...}` form could otherwise never stop calling tools, and a weak one would return broken calls.

Requests are decoded together at every round, so a batch of agent steps or server requests stays one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agentft.core.tools import ToolSpec
from agentft.core.validation import reply_schema, validate_call
from agentft.serving.protocol import Backend, Completion, GenerationRequest, SamplingParams


def reply_errors(completion: Completion, tools: Sequence[ToolSpec], allow_answer: bool) -> list[str]:
    errors = [completion.parse_error] if completion.parse_error else []
    errors += [str(e) for call in completion.calls for e in validate_call(call, list(tools))]
    if not completion.calls and not errors and not allow_answer:
        errors.append("a tool call is required")
    return errors


def validated_replies(
    backend: Backend,
    requests: Sequence[GenerationRequest],
    tools: Sequence[Sequence[ToolSpec]],
    *,
    allow_answer: bool | Sequence[bool] = True,
    retries: int = 2,
) -> list[tuple[Completion, list[str]]]:
    """(completion, errors) per request; errors are empty unless every attempt failed (then never execute it)."""
    allowed = [allow_answer] * len(requests) if isinstance(allow_answer, bool) else list(allow_answer)
    grammar = getattr(backend, "constrains_calls", False)  # an HTTP client cannot send the call grammar
    current = [replace(r, constrain_calls=True) if grammar and r.tools and r.schema is None else r for r in requests]
    results: list[tuple[Completion, list[str]]] = [None] * len(requests)  # type: ignore[list-item]
    pending = list(range(len(requests)))
    for attempt in range(retries + 2):
        completions = backend.generate([current[i] for i in pending])
        failed = []
        for i, completion in zip(pending, completions, strict=True):
            results[i] = (completion, reply_errors(completion, tools[i], allowed[i]))
            if results[i][1]:
                failed.append(i)
        for i in failed:
            if current[i].schema is None:
                schema = reply_schema(tools[i], allow_answer=False)
                current[i] = replace(current[i], schema=schema, constrain_calls=False)
            else:  # keywords no grammar enforces (uniqueItems, not, ...) can still fail validation: sample again
                sampling = SamplingParams(current[i].sampling.max_new_tokens, temperature=0.7, seed=attempt)
                current[i] = replace(current[i], sampling=sampling)
        pending = failed
        if not pending:
            break
    return results
