"""The one place a backend is started by name: in-process (embedded, vllm) or a remote OpenAI-compatible server.

All of them implement `serving.protocol.Backend`; the embedded and vLLM ones take the same options (grammar
engine, string bound).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agentft.core.errors import AgentftError
from agentft.serving.protocol import Backend

BACKENDS = ("embedded", "vllm", "openai")


def load_backend(kind: str, base_model: str, adapters: dict[str, str | Path] | None = None, **kwargs: Any) -> Any:
    """`embedded` (transformers + PEFT, the default), `vllm` (vLLM's offline multi-LoRA engine) or `openai`
    (`base_model` is the server URL; `model=` names the model there, `api_key=` its key)."""
    if kind == "embedded":
        from agentft.serving.embedded import EmbeddedBackend

        return EmbeddedBackend.load(base_model, adapters, **kwargs)
    if kind == "vllm":
        from agentft.serving.vllm_backend import VLLMBackend

        return VLLMBackend.load(base_model, adapters, **kwargs)
    if kind == "openai":
        from agentft.serving.openai_client import OpenAIClientBackend

        return OpenAIClientBackend(base_model, **kwargs)
    raise AgentftError(f"unknown backend {kind!r}; choose from {', '.join(BACKENDS)}")


def teacher_backend(spec: str, model: str | None = None, api_key_env: str = "OPENAI_API_KEY") -> Backend:
    """A teacher for distillation or paraphrasing: an http(s) URL is an OpenAI-compatible server, anything else a
    model folder / alias run in-process."""
    if spec.startswith(("http://", "https://")):
        return load_backend("openai", spec, model=model, api_key=os.environ.get(api_key_env))
    return load_backend("embedded", spec)
