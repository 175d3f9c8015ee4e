"""The agent loop: route → generate under the adapter's tool schema → validate → execute → feed back.

Drops into any loop: `Agent.step(messages)` does one routed, constrained, validated tool call; `Agent.run(task)`
repeats until a final answer or `max_steps`. It fails closed: if routing, decoding or validation fails, the agent
answers with a clarification and nothing runs; an executor's error goes back to the model as the tool result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentft.core.chat_template import SYSTEM_PROMPT
from agentft.core.io import dumps_line
from agentft.core.tools import ToolSpec, parse_tools
from agentft.router.router import Route
from agentft.serving.protocol import Backend, GenerationRequest, SamplingParams, answer_text
from agentft.serving.reply import validated_replies

CLARIFY = (
    "I could not produce a valid action for this step, so I did not run anything. Could you rephrase the request?"
)
ROUTING_FAILED = "I could not decide how to handle this request safely, so I did not run anything."


class RouterLike:
    """Anything with `route(messages) -> Route` (agentft's Router, or a fixed rule)."""

    def route(self, messages: list[dict[str, Any]]) -> Route: ...


@dataclass
class StepTrace:
    step: int
    adapter: str | None
    route: str
    confidence: float
    raw: str
    calls: list[dict[str, Any]]
    valid: bool
    errors: list[str]
    results: list[str]
    latency_s: float
    final: str | None = None


@dataclass
class StepResult:
    messages: list[dict[str, Any]]  # the conversation after this step
    trace: StepTrace
    done: bool


@dataclass
class Agent:
    backend: Backend
    router: Any  # RouterLike
    toolsets: dict[str, list[Any]]  # route label -> tools (OpenAI dicts or ToolSpec)
    executors: dict[str, Callable[..., str]]
    adapters: dict[str, str | None] = field(default_factory=dict)  # route label -> backend adapter (None = base)
    max_steps: int = 5
    max_new_tokens: int = 256
    trace_path: Path | None = None
    system_prompt: str = SYSTEM_PROMPT
    allow_answer: bool = True  # False forces a tool call every step (the loop then ends only at max_steps)
    retries: int = 2  # resample (temperature 0.7) when a reply fails validation despite the grammar

    def __post_init__(self) -> None:
        self._specs = {label: parse_tools([_openai(t) for t in tools]) for label, tools in self.toolsets.items()}
        self._all = [t for specs in self._specs.values() for t in specs]

    def _tools_for(self, label: str) -> list[ToolSpec]:
        return self._specs.get(label) or self._all  # "base" fallback: the base model sees every tool

    def step(self, messages: list[dict[str, Any]], index: int = 0) -> StepResult:
        started = time.perf_counter()
        try:
            route = self.router.route(messages)
        except Exception as exc:  # noqa: BLE001 - fail closed on any routing failure
            trace = StepTrace(
                index, None, "error", 0.0, "", [], False, [f"routing failed: {exc}"], [], 0.0, ROUTING_FAILED
            )
            return StepResult([*messages, {"role": "assistant", "content": ROUTING_FAILED}], trace, True)
        tools = self._tools_for(route.adapter)
        adapter = self.adapters.get(route.adapter)
        request = GenerationRequest(
            messages, [t.to_openai() for t in tools], adapter, None, SamplingParams(max_new_tokens=self.max_new_tokens)
        )
        [(completion, errors)] = validated_replies(
            self.backend, [request], [tools], allow_answer=self.allow_answer, retries=self.retries
        )
        calls = completion.calls
        base = dict(step=index, adapter=adapter, route=route.adapter, confidence=route.confidence, raw=completion.text)
        if errors:
            trace = StepTrace(
                **base,
                calls=[c.model_dump() for c in calls],
                valid=False,
                errors=errors,
                results=[],
                latency_s=time.perf_counter() - started,
                final=CLARIFY,
            )
            return StepResult([*messages, {"role": "assistant", "content": CLARIFY}], trace, True)
        if not calls:
            answer = answer_text(completion.text)
            trace = StepTrace(
                **base,
                calls=[],
                valid=True,
                errors=[],
                results=[],
                latency_s=time.perf_counter() - started,
                final=answer,
            )
            return StepResult([*messages, {"role": "assistant", "content": answer}], trace, True)
        results = [self._execute(call.name, call.arguments) for call in calls]
        new = [{"role": "assistant", "tool_calls": [c.to_openai() for c in calls]}]
        new += [{"role": "tool", "name": c.name, "content": r} for c, r in zip(calls, results, strict=True)]
        trace = StepTrace(
            **base,
            calls=[c.model_dump() for c in calls],
            valid=True,
            errors=[],
            results=results,
            latency_s=time.perf_counter() - started,
        )
        return StepResult([*messages, *new], trace, False)

    def _execute(self, name: str, arguments: dict[str, Any]) -> str:
        executor = self.executors.get(name)
        if executor is None:
            return f"error: no executor for tool {name!r}"
        try:
            return str(executor(**arguments))
        except Exception as exc:  # noqa: BLE001 - any tool failure is reported back to the model, not raised
            return f"error: {exc}"

    def run(
        self, task: str, messages: list[dict[str, Any]] | None = None
    ) -> tuple[list[dict[str, Any]], list[StepTrace]]:
        messages = messages or [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": task}]
        traces: list[StepTrace] = []
        for index in range(self.max_steps):
            result = self.step(messages, index)
            messages = result.messages
            traces.append(result.trace)
            self._write_trace(result.trace)
            if result.done:
                break
        return messages, traces

    def _write_trace(self, trace: StepTrace) -> None:
        if self.trace_path is None:
            return
        self.trace_path.parent.mkdir(parents=True, exist_ok=True)
        with self.trace_path.open("a", encoding="utf-8") as f:
            f.write(dumps_line(asdict(trace)) + "\n")


def _openai(tool: Any) -> dict[str, Any]:
    return tool.to_openai() if isinstance(tool, ToolSpec) else tool
