"""The `agentft` command line. User errors print one line (`file: $.path: problem`) and exit with code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agentft.errors import AgentftError

app = typer.Typer(
    name="agentft",
    help="LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from agentft import __version__

        console.print(f"agentft {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")] = False,
) -> None:
    """LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate."""


@app.command()
def score(
    bfcl: Annotated[Path, typer.Option(help="BFCL data directory (BFCL_v4_<cat>.json and possible_answer/).")],
    category: Annotated[str, typer.Option(help="BFCL category, e.g. simple_python, multiple, parallel, live_simple.")],
    predictions: Annotated[Path, typer.Option(help='JSONL: {"id", "calls": [{"name","arguments"}]} or {"id", "text"}.')],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full per-prediction report here.")] = None,
) -> None:
    """Score predictions with BFCL-compatible AST checking (same verdicts as the official checker).

    Exits 0 whenever scoring ran, whatever the accuracy; non-zero only when it could not run.
    """
    from agentft.bfcl import score_predictions
    from agentft.io import write_json_atomic

    report = score_predictions(bfcl, category, predictions)
    table = Table(title=f"BFCL {category}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("accuracy", f"{report.accuracy:.2%}")
    table.add_row("scored", str(report.total))
    if report.missing:
        table.add_row("entries without prediction", str(report.missing))
    for error_type, count in report.error_counts().most_common():
        table.add_row(f"[red]{error_type}[/red]", str(count))
    console.print(table)
    if json_out:
        write_json_atomic(json_out, report.to_json())
        console.print(f"report written to {json_out}")


def main() -> None:
    try:
        app()
    except AgentftError as err:
        err_console.print(f"[bold red]error:[/bold red] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
