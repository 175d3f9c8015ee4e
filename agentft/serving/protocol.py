"""The one protocol every backend implements (Outlines style: thin adapters over engines).

A request names its adapter (None = the base) and may carry a constraint (a JSON schema for the whole reply, or the
trained call format with its calls held to the tools' schemas); a completion carries the raw text, the parsed calls
and their validation, so callers never parse model output themselves.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agentft.core.calls import ToolCall, ToolCallParseError, parse_tool_calls
from agentft.core.schema import compile_validator
from agentft.core.tools import ToolSpec, parse_tools
from agentft.core.validation import CallError, validate_call


@dataclass
class SamplingParams:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    seed: int | None = None


@dataclass
class GenerationRequest:
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)  # OpenAI tools format
    adapter: str | None = None
    schema: dict[str, Any] | None = None  # a JSON-schema constraint on the whole reply
    sampling: SamplingParams = field(default_factory=SamplingParams)
    # The reply as trained (free text, or `<tool_call>` blocks) with every block held to the offered tools' schemas:
    # the model still decides whether to call and how many times; what it writes inside a call is always valid.
    constrain_calls: bool = False

    def __post_init__(self) -> None:
        if self.constrain_calls and (self.schema is not None or not self.tools):
            raise ValueError("constrain_calls needs the request's tools and no `schema` (one constraint per request)")


@dataclass
class Completion:
    text: str
    calls: list[ToolCall]
    parse_error: str | None
    errors: list[CallError]  # validation errors of the parsed calls against the request's tools
    adapter: str | None
    latency_s: float
    new_tokens: int = 0

    @property
    def valid(self) -> bool:
        """Parsed and every call passed its schema (a plain-text answer with no call is valid)."""
        return self.parse_error is None and not self.errors


@runtime_checkable
class Backend(Protocol):
    """`generate` is the whole protocol; a backend that decodes `constrain_calls` says so with a class attribute
    `constrains_calls = True` (callers such as `validated_replies` then use it)."""

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]: ...


def render_prompt(tokenizer: Any, request: GenerationRequest) -> str:
    """agentft's chat template with the tools in the system turn: the same text on every backend, so greedy
    outputs can match token for token."""
    from agentft.core.chat_template import chat_messages

    return tokenizer.apply_chat_template(
        chat_messages(request.messages, request.tools), tokenize=False, add_generation_prompt=True
    )


def decode_reply(tokenizer: Any, tokens: list[int], stop_ids: list[int]) -> tuple[str, int]:
    """The reply text up to the first stop token, and how many tokens it took."""
    cut = next((i for i, t in enumerate(tokens) if t in stop_ids), len(tokens))
    return tokenizer.decode(tokens[:cut], skip_special_tokens=True), cut


def check_adapter(name: str | None, loaded: list[str]) -> None:
    if name is not None and name not in loaded:
        raise ValueError(f"unknown adapter {name!r}; loaded: {', '.join(loaded) or 'none'}")


def stop_token_ids(tokenizer: Any) -> list[int]:
    """End of sequence and end of turn: a reply ends at whichever comes first, on every backend."""
    from agentft.core.chat_template import END_OF_TURN

    stop = [tokenizer.eos_token_id]
    end = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    if isinstance(end, int) and end != tokenizer.unk_token_id and end not in stop:
        stop.append(end)
    return stop


def _looks_like_call(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("<tool_call>", "{", "[")) or "<tool_call>" in text


def _schema_mismatch(text: str, schema: dict[str, Any]) -> str | None:
    """Why a constrained reply does not satisfy its constraint (e.g. cut off by max_new_tokens), or None."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"constrained reply is not complete JSON: {exc.msg}"
    error = next(iter(compile_validator(schema).iter_errors(obj)), None)
    return None if error is None else f"constrained reply violates its schema: {error.message[:200]}"


def final_answer(text: str) -> str | None:
    """The text of a constrained `{"answer": ...}` reply, else None."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    if isinstance(obj, dict) and set(obj) == {"answer"} and isinstance(obj["answer"], str):
        return obj["answer"]
    return None


_TOOL_RESULT_TAGS = re.compile(r"</?tool_response>")


def answer_text(text: str) -> str:
    """What a plain reply says to the user: the constrained `{"answer": ...}` form unwrapped, and the chat template's
    tool-result tags dropped (a small model that has just read a tool result may echo it wrapped in them)."""
    answer = final_answer(text)
    return _TOOL_RESULT_TAGS.sub("", text if answer is None else answer).strip()


@functools.lru_cache(maxsize=256)
def _parsed_tools(key: str) -> tuple[ToolSpec, ...]:
    return tuple(parse_tools(json.loads(key)))


def request_specs(request: GenerationRequest) -> list[ToolSpec]:
    """The request's tools parsed once per distinct tool list (an agent sends the same list every step)."""
    if not request.tools:  # plain chat (e.g. a teacher paraphrasing): nothing to validate against
        return []
    return list(_parsed_tools(json.dumps(request.tools)))  # unsorted: a call grammar keeps the properties' order


def make_completion(request: GenerationRequest, text: str, started: float, new_tokens: int = 0) -> Completion:
    """Parse and validate one reply; text that is not a call attempt is a final answer."""
    calls: list[ToolCall] = []
    parse_error = None
    errors: list[CallError] = []
    if request.schema is not None:
        mismatch = _schema_mismatch(text, request.schema)
        if mismatch is not None:
            return Completion(text, [], mismatch, [], request.adapter, time.perf_counter() - started, new_tokens)
    answer = final_answer(text)
    try:
        if answer is None:
            calls = parse_tool_calls(text)
    except ToolCallParseError as exc:
        if _looks_like_call(text):
            parse_error = str(exc)
    if calls:
        specs = request_specs(request)
        for call in calls:
            errors.extend(validate_call(call, specs))
    return Completion(
        text=text,
        calls=calls,
        parse_error=parse_error,
        errors=errors,
        adapter=request.adapter,
        latency_s=time.perf_counter() - started,
        new_tokens=new_tokens,
    )
