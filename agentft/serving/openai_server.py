"""LoRA-as-Tools behind one OpenAI-compatible endpoint: model `auto` routes every request to its adapter.

`POST /v1/chat/completions` with `"model": "auto"`: the router reads the messages (the latest user turn and the
latest tool result), picks the adapter (below its threshold, the configured fallback: fail closed), and the reply is
generated with that adapter, validated against the request's `tools` (decoded again under their JSON schema when it
is not a valid call, then resampled, then answered as a clarification: a broken call is never returned). The chosen
adapter and confidence come back in the `x-agentft-adapter` / `x-agentft-confidence` headers and in an `agentft`
field of the body, which OpenAI clients ignore. `"model": "base"` or an adapter's name skips the router.

Why a front of our own and not vLLM's server: routing, validation and the clarification fallback are the same code
on both backends (embedded transformers + PEFT, or vLLM's engine in process), and requests that arrive together are
decoded together — a micro-batcher hands every request waiting at that moment to one `backend.generate` call, where
the embedded backend runs rows on different adapters side by side and vLLM batches them itself. Streaming sends the
validated reply as OpenAI chunks (a reply is only returned once it has been validated, so it is not token by token).
"""

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentft.core.errors import AgentftError
from agentft.core.tools import ToolSpec, parse_tools
from agentft.serving.protocol import Backend, Completion, GenerationRequest, SamplingParams, answer_text
from agentft.serving.reply import validated_replies

AUTO = "auto"
BASE = "base"
CLARIFY = "I could not produce a valid tool call for that request. Could you rephrase it or give the missing details?"
MAX_BODY_BYTES = 1 << 20
MAX_TOKENS_LIMIT = 2048


class ChatRequest(BaseModel):
    """The part of OpenAI's chat-completions request agentft honours; other fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    tools: list[dict[str, Any]] = []
    tool_choice: Literal["auto", "none", "required"] | dict[str, Any] = "auto"
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_LIMIT)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_LIMIT)
    temperature: float = Field(0.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int | None = None
    stream: bool = False


class RequestError(Exception):
    """An OpenAI-style error response."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code

    def body(self) -> dict[str, Any]:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return {"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}}


@dataclass
class _Job:
    request: GenerationRequest
    tools: list[ToolSpec]
    allow_answer: bool
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class MicroBatcher:
    """Hands every request waiting at the moment to one `validated_replies` call on a worker thread, so concurrent
    requests are decoded as one batch and the event loop keeps serving while the model works."""

    def __init__(self, backend: Backend, retries: int = 2):
        self.backend = backend
        self.retries = retries
        self._queue: list[_Job] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="agentft-batcher", daemon=True).start()

    async def submit(self, request: GenerationRequest, tools: list[ToolSpec], allow_answer: bool):
        loop = asyncio.get_running_loop()
        job = _Job(request, tools, allow_answer, loop.create_future(), loop)
        with self._lock:
            self._queue.append(job)
        self._wake.set()
        return await job.future

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                jobs, self._queue = self._queue, []
                self._wake.clear()
            if not jobs:
                continue
            try:
                results = validated_replies(
                    self.backend,
                    [j.request for j in jobs],
                    [j.tools for j in jobs],
                    allow_answer=[j.allow_answer for j in jobs],
                    retries=self.retries,
                )
            except Exception as exc:  # noqa: BLE001 - a failed batch fails its requests, not the server
                for job in jobs:
                    job.loop.call_soon_threadsafe(_settle, job.future, None, exc)
                continue
            for job, result in zip(jobs, results, strict=True):
                job.loop.call_soon_threadsafe(_settle, job.future, result, None)


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _forced_tool(choice: Any, tools: list[ToolSpec]) -> list[ToolSpec]:
    """`tool_choice: {"type": "function", "function": {"name": ...}}` narrows the tools to that one."""
    name = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    if not isinstance(name, str):
        raise RequestError(
            400,
            "tool_choice must be auto, none, required or {'type': 'function', 'function': {'name': ...}}",
            "tool_choice",
        )
    chosen = [t for t in tools if t.name == name]
    if not chosen:
        raise RequestError(400, f"tool_choice names {name!r}, which is not among the request's tools", "tool_choice")
    return chosen


def _message(completion: Completion, errors: list[str]) -> tuple[dict[str, Any], str]:
    if errors:
        return {"role": "assistant", "content": CLARIFY}, "stop"
    if completion.calls:
        calls = [
            {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
            }
            for c in completion.calls
        ]
        return {"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls"
    text = answer_text(completion.text)
    return {"role": "assistant", "content": text}, "stop"


class RoutedServer:
    """The request → route → validated reply → OpenAI response logic, independent of the HTTP framework."""

    def __init__(self, backend: Backend, adapters: list[str], router: Any = None, retries: int = 2):
        self.adapters = list(adapters)
        self.router = router
        self.batcher = MicroBatcher(backend, retries)

    def models(self) -> list[str]:
        return [BASE, *self.adapters, *([AUTO] if self.router is not None else [])]

    def parse(self, raw: bytes) -> ChatRequest:
        if len(raw) > MAX_BODY_BYTES:
            raise RequestError(413, f"request body is {len(raw)} bytes, over the {MAX_BODY_BYTES} byte limit")
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise RequestError(400, f"request body is not valid JSON ({type(exc).__name__})") from None
        try:
            return ChatRequest.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            param = ".".join(str(p) for p in err["loc"]) or None
            raise RequestError(400, f"{param}: {err['msg']}" if param else err["msg"], param) from None

    def route(self, request: ChatRequest) -> tuple[str | None, dict[str, Any]]:
        """(backend adapter or None for the base, what to report about the choice)."""
        if request.model == BASE:
            return None, {"adapter": BASE, "routed": False}
        if request.model in self.adapters:
            return request.model, {"adapter": request.model, "routed": False}
        if request.model == AUTO and self.router is not None:
            route = self.router.route(request.messages)
            adapter = route.adapter if route.adapter in self.adapters else None
            info = {"adapter": adapter or BASE, "route": route.adapter, "confidence": round(route.confidence, 4)}
            return adapter, {**info, "fallback": route.fallback, "routed": True}
        raise RequestError(
            404,
            f"unknown model {request.model!r}; this server has: {', '.join(self.models())}",
            "model",
            "model_not_found",
        )

    async def complete(self, request: ChatRequest) -> tuple[dict[str, Any], dict[str, Any]]:
        """(OpenAI chat.completion body, routing info)."""
        try:
            tools = parse_tools(request.tools) if request.tools else []
        except AgentftError as err:
            raise RequestError(400, f"tools: {err}", "tools") from None
        adapter, info = self.route(request)
        offered, allow_answer = tools, True
        if request.tool_choice == "none":
            offered = []
        elif request.tool_choice == "required":
            allow_answer = not tools
        elif isinstance(request.tool_choice, dict):
            offered, allow_answer = _forced_tool(request.tool_choice, tools), False
        sampling = SamplingParams(
            max_new_tokens=request.max_completion_tokens or request.max_tokens or 256,
            temperature=request.temperature,
            top_p=request.top_p,
            seed=request.seed,
        )
        generation = GenerationRequest(request.messages, [t.to_openai() for t in offered], adapter, None, sampling)
        started = time.time()
        completion, errors = await self.batcher.submit(generation, offered, allow_answer)
        message, finish = _message(completion, errors)
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(started),
            "model": request.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": 0,
                "completion_tokens": completion.new_tokens,
                "total_tokens": completion.new_tokens,
            },
            "agentft": {**info, "valid": not errors, "latency_s": round(completion.latency_s, 4)},
        }
        return body, info


def stream_chunks(body: dict[str, Any]) -> list[str]:
    """A validated reply as OpenAI server-sent events: the role, the content or tool calls, the finish, [DONE]."""
    message = body["choices"][0]["message"]
    base = {k: body[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    delta: dict[str, Any] = {"content": message["content"]} if message.get("content") else {}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {
            **base,
            "choices": [{"index": 0, "delta": {}, "finish_reason": body["choices"][0]["finish_reason"]}],
            "agentft": body["agentft"],
        },
    ]
    return [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


def create_app(server: RoutedServer) -> Any:
    """The FastAPI app: `/v1/models`, `/v1/chat/completions`, `/health`."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, StreamingResponse

    app = FastAPI(title="agentft", docs_url=None, redoc_url=None)

    @app.exception_handler(RequestError)
    async def _request_error(_: Request, exc: RequestError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(Exception)
    async def _server_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(RequestError(500, f"{type(exc).__name__}: {exc}").body(), status_code=500)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "agentft"} for m in server.models()]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        parsed = server.parse(await request.body())
        body, info = await server.complete(parsed)
        headers = {"x-agentft-adapter": str(info["adapter"])}
        if "confidence" in info:
            headers["x-agentft-confidence"] = str(info["confidence"])
        if parsed.stream:
            return StreamingResponse(iter(stream_chunks(body)), media_type="text/event-stream", headers=headers)
        return JSONResponse(body, headers=headers)

    return app


@contextmanager
def running(server: RoutedServer, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The endpoint served from a background thread of this process, for as long as the `with` lasts: yields its
    base URL (`http://host:port`; port 0 takes a free one). For notebooks, tests and the benchmark; `agentft serve`
    is the way to run it as a service."""
    import uvicorn

    config = uvicorn.Config(create_app(server), host=host, port=port, log_level="error")
    http = uvicorn.Server(config)
    thread = threading.Thread(target=http.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not http.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AgentftError(f"the OpenAI endpoint did not start on {host}:{port}")
        time.sleep(0.02)
    bound = http.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        http.should_exit = True
        thread.join(30)
