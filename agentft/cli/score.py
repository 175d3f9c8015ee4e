"""`agentft score`: BFCL-compatible AST checking of predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console


def score(
    bfcl: Annotated[Path, typer.Option(help="BFCL data directory (BFCL_v4_<cat>.json and possible_answer/).")],
    category: Annotated[str, typer.Option(help="BFCL category, e.g. simple_python, multiple, parallel, live_simple.")],
    predictions: Annotated[
        Path, typer.Option(help='JSONL: {"id", "calls": [{"name","arguments"}]} or {"id", "text"}.')
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full per-prediction report here.")] = None,
) -> None:
    """Score predictions with BFCL-compatible AST checking (same verdicts as the official checker).

    Exits 0 whenever scoring ran, whatever the accuracy; non-zero only when it could not run.
    """
    from agentft.core.io import write_json_atomic
    from agentft.evaluation.bfcl import score_predictions

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
