"""`agentft serve`: vLLM's OpenAI-compatible server with the registry's adapters as LoRA modules."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def serve_cmd(
    adapter: Annotated[
        list[str] | None,
        typer.Option("--adapter", "-a", help="Registry NAME[@vN] or adapter folder; repeat. Served as model NAME."),
    ] = None,
    base: Annotated[
        str | None, typer.Option(help="Base model, served as `base` (default: the first adapter's base or smollm2).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    grammar: Annotated[str, typer.Option(help="Structured-output engine (vLLM: llguidance).")] = "llguidance",
    registry: Annotated[Path | None, typer.Option(help="Adapter registry folder.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the vLLM command instead of running it.")] = False,
    vllm_args: Annotated[
        list[str] | None,
        typer.Argument(help="Extra `vllm serve` arguments after `--`, e.g. `-- --max-model-len 2048`."),
    ] = None,
) -> None:
    """Serve the base and adapters with vLLM's OpenAI-compatible server (multi-LoRA, tool calls, JSON schema).

    Each adapter is a LoRA module: send `"model": "code"` to use the `code` adapter, `"model": "base"` for none.
    Tool calls are parsed with the Hermes parser and prompts use agentft's chat template, as in training. The
    server runs in the foreground (this process becomes vLLM); stop it with Ctrl-C or by its PID. On CPU machines
    install `agentft[serve-cpu]`, on GPU machines `agentft[serve]`; `-- --tensor-parallel-size 2` scales out.
    """
    from agentft.models import cache_dir, resolve_base_model
    from agentft.registry import resolve_adapters
    from agentft.serving.server import serve_argv, write_chat_template
    from agentft.serving.vllm_backend import check_grammar, require_vllm, vllm_env

    check_grammar(grammar)
    base_ref, folders = resolve_adapters(adapter or [], registry, base)
    base_path = resolve_base_model(base_ref)
    argv = serve_argv(
        base_path,
        folders,
        host=host,
        port=port,
        grammar=grammar,
        chat_template=write_chat_template(cache_dir()),
        extra=vllm_args,
    )
    if dry_run:
        print(shlex.join(argv))
        return
    require_vllm()
    vllm_env(in_process=False)
    models = ", ".join(["base", *folders])
    console.print(f"serving {base_ref} on http://{host}:{port}/v1 as models: {models}")
    os.execv(argv[0], argv)
