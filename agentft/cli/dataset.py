"""`agentft build-dataset`: tool definitions in, verified function-calling data out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console, err_console


def build_dataset_cmd(
    tools: Annotated[
        Path, typer.Argument(help="Tools file: OpenAI `tools`, BFCL functions or MCP tools/list (JSON/JSONL).")
    ],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Output directory [default: datasets/<tools name>].")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Number of examples across all splits.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 0,
    mix: Annotated[
        str | None,
        typer.Option(
            help="Example kinds and weights, e.g. single=1,parallel=1: single, multiple (the right tool among "
            "distractors), parallel (one tool called 2-4 times), parallel_multiple (several tools), irrelevance (no "
            "offered tool fits), followup (a plain answer once the tool result is in), guard (see --guard-tools), "
            "recovery (the call again with the id a tool's unknown-id error offers; tools that take ids only) "
            "[default: single=0.25,multiple=0.25,parallel=0.2,parallel_multiple=0.15,irrelevance=0.3]."
        ),
    ] = None,
    ood_tools: Annotated[float, typer.Option(help="Share of tools held out of training for test_ood.")] = 0.2,
    ood_fraction: Annotated[float, typer.Option(help="Share of examples in test_ood.")] = 0.1,
    val_fraction: Annotated[float, typer.Option(help="Share of in-domain examples in val.")] = 0.1,
    test_fraction: Annotated[float, typer.Option(help="Share of in-domain examples in test.")] = 0.1,
    optional_rate: Annotated[float, typer.Option(help="Probability that an optional argument is present.")] = 0.5,
    dpo_per_example: Annotated[int, typer.Option(help="Rejected variants per example in dpo.jsonl.")] = 2,
    workers: Annotated[int, typer.Option(help="Worker processes (0 = one per core).")] = 0,
    mask_rate: Annotated[
        float,
        typer.Option(help="Share of examples with tool and parameter names masked (Hammer), so names are not cues."),
    ] = 0.0,
    general_calls: Annotated[
        float,
        typer.Option(
            help="Share of single/multiple rows that ask a general-knowledge question (arithmetic, units, capitals) "
            "with a tool that answers it, against the irrelevance rows that ask them with none: the model learns to "
            "call a tool that fits rather than answer from memory. 0 turns it off (bench/README.md)."
        ),
    ] = 0.15,
    guard_tools: Annotated[
        Path | None,
        typer.Option(
            help="Tools file with refuse_request, redact_pii and detect_prompt_injection (schemas/safety_tools.json): "
            "mixes guard examples into the data (guard=0.1 unless --mix names it), so the adapter keeps refusing "
            "harmful asks, redacting personal data and flagging injected instructions."
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail on the first tool that needs a repair or cannot be synthesized, instead of repairing it "
            "or skipping it with a warning.",
        ),
    ] = False,
    paraphrase_teacher: Annotated[
        str | None,
        typer.Option(
            help="Rewrite each query with a teacher (model folder/alias or OpenAI-compatible URL); a rewrite is kept "
            "only if it still states every argument value. Runs in one process."
        ),
    ] = None,
    teacher_model: Annotated[str | None, typer.Option(help="Model name at the --paraphrase-teacher URL.")] = None,
) -> None:
    """Turn JSON-schema tool definitions into verified function-calling training data.

    Writes train/val/test/test_ood.jsonl (TRL conversational format with tools), dpo.jsonl (typed rejected
    variants, each verified wrong), manifest.json (lineage: command, seed, sha256 of input and outputs) and a
    README.md dataset card. Every synthesized call is validated against its schema. Known slips of real tool
    files (an enum on an array, `default: null` on a string, ...) are repaired and listed; a tool no arguments can
    be synthesized for is skipped with a warning (`--strict` fails instead). Output is written atomically: a failed
    run leaves nothing behind.
    """
    from collections import Counter

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agentft.dataset.builder import DEFAULT_MIX, BuildConfig, build_dataset, parse_mix

    weights = parse_mix(mix) if mix is not None else dict(DEFAULT_MIX)
    if guard_tools is not None:
        weights.setdefault("guard", 0.1)
    config = BuildConfig(
        n=n,
        seed=seed,
        mix=weights,
        guard_tools=str(guard_tools) if guard_tools else None,
        ood_tools=ood_tools,
        ood_fraction=ood_fraction,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        optional_rate=optional_rate,
        dpo_per_example=dpo_per_example,
        mask_rate=mask_rate,
        general_calls=general_calls,
        strict=strict,
        workers=1 if paraphrase_teacher else workers,
    )
    config.validate()
    paraphrase = None
    if paraphrase_teacher:
        from agentft.cli.common import quiet_libraries
        from agentft.dataset.paraphrase import TeacherParaphraser
        from agentft.serving import teacher_backend

        quiet_libraries()
        paraphrase = TeacherParaphraser(teacher_backend(paraphrase_teacher, teacher_model))
    out = out or Path("datasets") / tools.stem
    columns = (
        TextColumn("[bold]building[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
        task = progress.add_task(tools.name, total=n)
        manifest = build_dataset(
            tools,
            out,
            config,
            paraphrase=paraphrase,
            command=["agentft", *sys.argv[1:]],
            progress=lambda k: progress.advance(task, k),
        )
    table = Table(title=f"{out}")
    table.add_column("split")
    table.add_column("examples", justify="right")
    for split, total in manifest["totals"].items():
        table.add_row(split, str(total))
    table.add_row("dpo pairs", str(manifest["dpo"]["total"]))
    console.print(table)
    console.print(f"held-out tools (test_ood): {', '.join(manifest['ood_tools']) or 'none'}")
    if manifest["repairs"]:
        kinds = Counter(r["kind"] for r in manifest["repairs"])
        summary = ", ".join(f"{kind} × {count}" for kind, count in kinds.most_common())
        err_console.print(
            f"repaired {len(manifest['repairs'])} known slips ({summary}); listed in manifest.json", soft_wrap=True
        )
    for tool in manifest["skipped"]:
        err_console.print(
            f"[yellow]warning:[/yellow] {tools}: tool {tool['tool']!r} skipped: {tool['path']}: {tool['reason']}",
            highlight=False,
            soft_wrap=True,
        )
    for warning in manifest["warnings"]:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
