"""`agentft router train | predict | eval`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console, quiet_libraries

router_app = typer.Typer(help="Train and run the router that picks an adapter per agent step.", no_args_is_help=True)
DEFAULT_DIR = Path("artifacts/router")


@router_app.command("train")
def router_train(
    config: Annotated[Path, typer.Argument(help="Router YAML config.")] = Path("router/config.yaml"),
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = DEFAULT_DIR,
    overrides: Annotated[list[str] | None, typer.Option("--set", help="Override a config key (key=value).")] = None,
) -> None:
    """Fine-tune the encoder to classify the labeled steps (and the queries of the configured datasets; ~5 min on
    2 cores, `--set finetune=null` keeps it frozen), fit a logistic-regression head on their embeddings and
    calibrate its confidence on a held-out slice. Writes `head.safetensors`, `router.json` and the tuned encoder."""
    quiet_libraries()
    from agentft.router.config import load_router_config
    from agentft.router.trainer import train_router

    cfg = load_router_config(config, overrides or [])
    router = train_router(cfg, log=console.print)
    router.save(out)
    console.print(f"router written to {out}")


@router_app.command("predict")
def router_predict(
    router_dir: Annotated[Path, typer.Argument(help="A trained router folder.")],
    steps: Annotated[Path, typer.Argument(help='JSONL lines {"request", "tool_result"} (tool_result optional).')],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write predictions here (JSONL).")] = None,
) -> None:
    """One line per input: `{"adapter", "confidence", "scores", "fallback"}`."""
    quiet_libraries()
    from agentft.core.io import dumps_line, write_text_atomic
    from agentft.router import Router
    from agentft.router.trainer import load_steps

    rows = load_steps(steps, labeled=False)
    routes = Router.load(router_dir).predict([r["step"] for r in rows])
    text = "".join(dumps_line(r.to_json()) + "\n" for r in routes)
    if json_out:
        write_text_atomic(json_out, text)
        console.print(f"{len(routes)} predictions written to {json_out}")
    else:
        typer.echo(text, nl=False)


@router_app.command("eval")
def router_eval(
    router_dir: Annotated[Path, typer.Argument(help="A trained router folder.")],
    steps: Annotated[Path, typer.Argument(help='Labeled JSONL lines {"request", "tool_result", "adapter"}.')],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
) -> None:
    """Accuracy, per-class precision/recall, confusion matrix and per-step latency (p50/p95)."""
    quiet_libraries()
    from agentft.core.io import write_json_atomic
    from agentft.router import Router
    from agentft.router.trainer import evaluate_router, load_steps

    report = evaluate_router(Router.load(router_dir), load_steps(steps))
    print_router_report(report)
    if json_out:
        write_json_atomic(json_out, report)


def latency_line(lat: dict) -> str:
    """`evaluate_router`'s latency figures as `router eval` and `bench router` print them."""
    return (
        f"latency p50 {lat['single_p50']:.2f} ms, p95 {lat['single_p95']:.2f} ms, mean {lat['single_mean']:.2f} ms, "
        f"batched {lat['batched_per_step']:.2f} ms/step"
    )


def print_router_report(report: dict) -> None:
    console.print(
        f"accuracy [bold]{report['accuracy']:.1%}[/bold] on {report['n']} steps "
        f"({report['fallbacks']} fallbacks); {latency_line(report['latency_ms'])}"
    )
    labels = list(report["confusion"])
    table = Table(title="confusion (rows: expected, columns: routed)")
    table.add_column("")
    for label in labels:
        table.add_column(label, justify="right")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    for label in labels:
        pc = report["per_class"].get(label, {"precision": 0.0, "recall": 0.0})
        cells = [str(report["confusion"][label][c]) for c in labels]
        table.add_row(label, *cells, f"{pc['precision']:.2f}", f"{pc['recall']:.2f}")
    console.print(table)
