"""`agentft agent run "TASK"`: the router, the adapters and the example executors in one loop, traced."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console, quiet_libraries
from agentft.core.models import DEFAULT_BASE

agent_app = typer.Typer(help="Run the LoRA-as-Tools agent loop.", no_args_is_help=True)


def print_trace(traces, title: str) -> None:
    table = Table(title=title, show_lines=True)
    for column in ("step", "route (conf.)", "adapter", "call / answer", "valid", "result", "s"):
        table.add_column(column, overflow="fold")
    for t in traces:
        action = "; ".join(f"{c['name']}({c['arguments']})" for c in t.calls) or (t.final or "")
        valid = "[green]yes[/green]" if t.valid else "[red]no[/red]: " + "; ".join(t.errors)[:120]
        table.add_row(
            str(t.step),
            f"{t.route} ({t.confidence:.2f})",
            t.adapter or "base",
            action[:300],
            valid,
            "\n".join(r[:200] for r in t.results),
            f"{t.latency_s:.1f}",
        )
    console.print(table)


@agent_app.command("run")
def agent_run(
    task: Annotated[str, typer.Argument(help="What the agent should do.")],
    base_model: Annotated[str, typer.Option("--base", help="Base model shared by every adapter.")] = DEFAULT_BASE,
    router_dir: Annotated[Path, typer.Option("--router", help="Trained router folder.")] = Path("artifacts/router"),
    registry: Annotated[Path | None, typer.Option(help="Adapter registry with code/retrieval/safety.")] = None,
    schemas: Annotated[Path, typer.Option(help="Folder with the example tool sets.")] = Path("schemas"),
    workspace: Annotated[Path | None, typer.Option(help="Scratch folder for the code tools.")] = None,
    max_steps: Annotated[int, typer.Option(help="Stop after this many steps.")] = 4,
    trace: Annotated[Path, typer.Option(help="Append the step trace here (JSONL).")] = Path(
        "artifacts/agent_trace.jsonl"
    ),
    grammar: Annotated[
        str, typer.Option(help="Constrained-decoding engine: llguidance, outlines_core, xgrammar (embedded).")
    ] = "llguidance",
    backend: Annotated[str, typer.Option(help="embedded (transformers+PEFT) or vllm.")] = "embedded",
) -> None:
    """Route each step to the code, retrieval or safety adapter, generate a call (decoded again under the tools'
    JSON schema when it fails validation), validate it, run it in the sandboxed executors and feed the result back,
    until a final answer or --max-steps."""
    quiet_libraries()
    from agentft.agent.skills import skill_agent

    agent = skill_agent(base_model, router_dir, registry, schemas, workspace, max_steps, trace, grammar, backend)
    messages, traces = agent.run(task)
    print_trace(traces, f"agent: {task}")
    final = messages[-1]["content"] if messages[-1]["role"] == "assistant" else "(stopped at max steps)"
    console.print(f"[bold]answer:[/bold] {final}")
    console.print(f"trace appended to {trace}")
