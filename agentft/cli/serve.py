"""`agentft serve`: vLLM's OpenAI-compatible server with the registry's adapters as LoRA modules."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from agentft.cli.common import err_console as console
from agentft.core.errors import AgentftError


def _serve_front(
    base_ref: str, folders: dict[str, Path], router_dir: Path | None, backend: str, host: str, port: int, dry: bool
) -> None:
    """agentft's OpenAI-compatible front (routing, validation) over the embedded or the vLLM backend."""
    import uvicorn

    from agentft.router import Router
    from agentft.serving import load_backend
    from agentft.serving.openai_server import RoutedServer, create_app

    router = Router.load(router_dir) if router_dir is not None else None
    if dry:
        console.print(f"would serve {base_ref} ({backend}) on http://{host}:{port}/v1", highlight=False)
        return
    engine = load_backend(backend, base_ref, folders)
    server = RoutedServer(engine, list(folders), router)
    console.print(f"serving {base_ref} ({backend}) on http://{host}:{port}/v1 as models: {', '.join(server.models())}")
    uvicorn.run(create_app(server), host=host, port=port, log_level="warning")


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
    router: Annotated[
        Path | None,
        typer.Option(help="Trained router folder: adds model `auto`, which routes each request to its adapter."),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            help="embedded (transformers + PEFT in this process, no vLLM needed) or vllm (without --router: vLLM's "
            "own OpenAI server; with it: vLLM's engine behind agentft's routing front)."
        ),
    ] = "embedded",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the vLLM command instead of running it.")] = False,
    vllm_args: Annotated[
        list[str] | None,
        typer.Argument(help="Extra `vllm serve` arguments after `--`, e.g. `-- --max-model-len 2048`."),
    ] = None,
) -> None:
    """Serve the base and adapters on an OpenAI-compatible `/v1/chat/completions` (and `/v1/models`).

    Send `"model": "code"` to use the `code` adapter, `"model": "base"` for none; with `--router DIR`, `"model":
    "auto"` lets the router pick the adapter for every request (the choice comes back in the `x-agentft-adapter`
    header and the body's `agentft` field). Replies are validated against the request's `tools`: a call that fails
    is decoded again under their JSON schema, and a broken call is never returned. Any OpenAI client works
    unmodified (`base_url="http://127.0.0.1:8000/v1"`).

    `--backend vllm` without `--router` runs vLLM's own server (this process becomes vLLM; on CPU machines install
    `agentft[serve-cpu]`, on GPU machines `agentft[serve]`; `-- --tensor-parallel-size 2` scales out).
    """
    from agentft.adapters.registry import resolve_adapters
    from agentft.core.models import cache_dir, resolve_base_model
    from agentft.serving.server import serve_argv, write_chat_template
    from agentft.serving.vllm_backend import check_grammar, require_vllm, vllm_env

    check_grammar(grammar)
    if backend not in ("embedded", "vllm"):
        raise AgentftError(f"unknown backend {backend!r}; choose embedded or vllm")
    base_ref, folders = resolve_adapters(adapter or [], registry, base)
    if router is not None or backend == "embedded":
        _serve_front(base_ref, folders, router, backend, host, port, dry_run)
        return
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
