"""`agentft eval`: base and adapters side by side on BFCL categories and/or dataset splits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console, quiet_libraries
from agentft.evaluation.bfcl import EVAL_MAX_NEW_TOKENS


def print_comparison(results: dict, title: str) -> None:
    labels = list(results)
    table = Table(title=title)
    table.add_column("suite")
    table.add_column("n", justify="right")
    for label in labels:
        table.add_column(f"{label}\nacc / valid", justify="right")
    for suite, scores in results[labels[0]].items():
        cells = []
        for label in labels:
            s = results[label][suite]
            cells.append(f"{s['accuracy']:.1%} / {s['valid_rate']:.0%}")
        table.add_row(suite, str(scores["n"]), *cells)
    console.print(table)
    for label in labels:
        errors = {}
        for scores in results[label].values():
            for kind, count in scores["errors"].items():
                errors[kind] = errors.get(kind, 0) + count
        top = ", ".join(f"{k} ×{v}" for k, v in sorted(errors.items(), key=lambda kv: -kv[1])[:4])
        console.print(f"  {label} errors: {top or 'none'}")


def eval_cmd(
    adapter: Annotated[
        list[str] | None, typer.Option("--adapter", help="Registry NAME[@vN] or folder; repeat.")
    ] = None,
    bfcl: Annotated[
        Path | None, typer.Option(help="BFCL data folder (BFCL_v4_<cat>.json + possible_answer/).")
    ] = None,
    categories: Annotated[
        str, typer.Option(help="Comma-separated BFCL AST categories.")
    ] = "simple_python,multiple,parallel",
    dataset: Annotated[Path | None, typer.Option(help="An `agentft build-dataset` output.")] = None,
    split: Annotated[str, typer.Option(help="Comma-separated dataset splits.")] = "test_ood",
    base: Annotated[
        str | None, typer.Option(help="Base model (default: the first adapter's base, else smollm2).")
    ] = None,
    backend: Annotated[
        str,
        typer.Option(help="embedded (transformers+PEFT), vllm (offline engine) or server (OpenAI-compatible URL)."),
    ] = "embedded",
    server_url: Annotated[str, typer.Option(help="Base URL for --backend server.")] = "http://127.0.0.1:8000/v1",
    limit: Annotated[int | None, typer.Option(help="At most this many cases per suite.")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Generation budget per case.")] = EVAL_MAX_NEW_TOKENS,
    registry: Annotated[Path | None, typer.Option(help="Adapter registry folder.")] = None,
    dtype: Annotated[
        str | None, typer.Option(help="Weights dtype, e.g. bfloat16 (default: float32 embedded, the model's on vLLM).")
    ] = None,
    constrain_calls: Annotated[
        bool,
        typer.Option(
            "--constrain-calls",
            help="Decode in the trained format with every <tool_call> held to the offered tools' schemas (the model "
            "still chooses between answering and calling); without it, replies are decoded freely.",
        ),
    ] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full results here.")] = None,
    outputs: Annotated[
        Path | None,
        typer.Option(help="Write every case here as JSONL: model, suite, id, question, output, expected, verdict."),
    ] = None,
) -> None:
    """Generate with the backend, score with the BFCL-compatible checker (BFCL) or exact call match (datasets),
    and print base and adapters side by side: accuracy, validity rate and the commonest error types."""
    quiet_libraries()
    from agentft.adapters.registry import resolve_adapters
    from agentft.core.errors import AgentftError
    from agentft.core.io import dumps_line, write_json_atomic, write_text_atomic
    from agentft.core.models import DTYPES
    from agentft.evaluation.suites import build_suites, evaluate

    if bfcl is None and dataset is None:
        raise AgentftError("nothing to evaluate: pass --bfcl DIR and/or --dataset DIR")
    if dtype is not None and dtype not in DTYPES:
        raise AgentftError(f"--dtype {dtype!r}: choose from {', '.join(DTYPES)}")
    refs = adapter or []
    base, folders = resolve_adapters(refs, registry, base)
    suites = build_suites(
        dataset,
        split.split(",") if dataset else [],
        bfcl,
        categories.split(",") if bfcl else [],
        limit,
        max_new_tokens,
        constrain_calls=constrain_calls,
    )
    from agentft.serving import load_backend

    if backend == "server":
        engine = load_backend("openai", server_url, model=base)
    else:
        engine = load_backend(backend, base, folders, **({"dtype": dtype} if dtype else {}))
    labels = [None, *folders]
    records: list[dict] | None = [] if outputs else None
    with console.status("generating and scoring ...") as status:
        results = evaluate(
            engine,
            suites,
            labels,
            lambda label, suite, s: status.update(f"{label} {suite}: {s['accuracy']:.1%}"),
            records,
        )
    print_comparison(results, f"agentft eval on {base}")
    if json_out:
        decoding = "calls constrained to the tools' schemas" if constrain_calls else "free"
        write_json_atomic(json_out, {"base_model": base, "backend": backend, "decoding": decoding, "results": results})
        console.print(f"results written to {json_out}")
    if outputs and records is not None:
        write_text_atomic(outputs, "".join(dumps_line(r) + "\n" for r in records))
        console.print(f"{len(records)} case outputs written to {outputs}")
