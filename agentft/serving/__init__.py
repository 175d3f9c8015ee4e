"""Backends that turn (messages, tools, adapter) requests into validated tool calls.

`load_backend(kind, base, adapters)` is the one way to start an in-process backend by name; both take the same
options (grammar engine, string bound) and implement `serving.protocol.Backend`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BACKENDS = ("embedded", "vllm")


def load_backend(kind: str, base_model: str, adapters: dict[str, str | Path] | None = None, **kwargs: Any) -> Any:
    """`embedded` (transformers + PEFT, the default) or `vllm` (vLLM's offline multi-LoRA engine)."""
    from agentft.errors import AgentftError

    if kind == "embedded":
        from agentft.serving.embedded import EmbeddedBackend

        return EmbeddedBackend.load(base_model, adapters, **kwargs)
    if kind == "vllm":
        from agentft.serving.vllm_backend import VLLMBackend

        return VLLMBackend.load(base_model, adapters, **kwargs)
    raise AgentftError(f"unknown backend {kind!r}; choose from {', '.join(BACKENDS)}")
