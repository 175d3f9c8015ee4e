"""Client backend for any OpenAI-compatible server (vLLM's `agentft serve`, or a hosted teacher).

The model field names the adapter (vLLM serves each LoRA module under its own name); a schema constraint goes out as
`response_format` json_schema. Standard library HTTP only: one POST per request.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agentft.core.chat_template import format_tool_calls
from agentft.core.errors import AgentftError
from agentft.serving.constrained import DEFAULT_GRAMMAR, constraint_schema, with_guidance_options
from agentft.serving.protocol import Completion, GenerationRequest, make_completion


class OpenAIClientBackend:
    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        concurrency: int = 8,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY", "EMPTY")
        self.timeout = timeout
        self.concurrency = concurrency

    def models(self) -> list[str]:
        """The model names the server answers to (with `agentft serve`: `base` and one per adapter)."""
        return [m["id"] for m in self._post("/models")["data"]]

    def _post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and body is not None and "model" in body:
                served = ", ".join(self.models())
                raise AgentftError(f"unknown model or adapter {body['model']!r}; the server has: {served}") from None
            detail = exc.read().decode(errors="replace")
            with contextlib.suppress(json.JSONDecodeError, AttributeError):
                detail = json.loads(detail).get("error", {}).get("message", detail)
            raise AgentftError(
                f"server at {self.base_url} answered {exc.code}: {detail.splitlines()[0][:300]}"
            ) from None
        except urllib.error.URLError as exc:
            raise AgentftError(f"cannot reach server at {self.base_url}: {exc.reason}") from None

    def _one(self, request: GenerationRequest) -> Completion:
        started = time.perf_counter()
        model = request.adapter or self.model
        if model is None:
            raise AgentftError("no model name: pass model= or set the request's adapter")
        if request.constrain_calls:  # the server applies its own constraints; the API has no field for a grammar
            raise AgentftError("constrain_calls is not available over HTTP: use the embedded or vllm backend")
        body: dict[str, Any] = {
            "model": model,
            "messages": request.messages,
            "max_tokens": request.sampling.max_new_tokens,
            "temperature": request.sampling.temperature,
            "top_p": request.sampling.top_p,
        }
        if request.sampling.seed is not None:
            body["seed"] = request.sampling.seed
        if request.tools:
            body["tools"] = request.tools
        if request.schema is not None:  # keywords no grammar engine implements stay for validation afterwards
            schema = with_guidance_options(constraint_schema(request.schema, DEFAULT_GRAMMAR))
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": schema, "strict": True},
            }
        reply = self._post("/chat/completions", body)
        message = reply["choices"][0]["message"]
        text = message.get("content") or ""
        if message.get("tool_calls"):
            text = format_tool_calls(message["tool_calls"])
        tokens = reply.get("usage", {}).get("completion_tokens", 0)
        return make_completion(request, text, started, tokens)

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._one, requests))
