"""The `agentft` command line. User errors print one line (`file: $.path: problem`) and exit with code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agentft.errors import AgentftError
from agentft.router.held_out import held_out_files

app = typer.Typer(
    name="agentft",
    help="LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate."""


@app.command()
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


@app.command("build-dataset")
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
            "offered tool fits), followup (a plain answer once the tool result is in), guard (see --guard-tools) "
            "[default: single=0.25,multiple=0.25,parallel=0.2,parallel_multiple=0.15,irrelevance=0.15]."
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
        strict=strict,
        workers=1 if paraphrase_teacher else workers,
    )
    config.validate()
    paraphrase = None
    if paraphrase_teacher:
        from agentft.commands import quiet_libraries
        from agentft.training.distill_trainer import TeacherParaphraser, teacher_backend

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


bench_app = typer.Typer(help="Benchmarks; each writes JSON.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _bfcl_default() -> Path | None:
    for candidate in (Path("../shared/bfcl"), Path("tests/data/bfcl")):
        if candidate.is_dir():
            return candidate
    return None


@bench_app.command("dataset")
def bench_dataset_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/dataset.json"),
    n: Annotated[int, typer.Option("--n", help="Examples per tools file.")] = 10000,
    schemas: Annotated[Path, typer.Option(help="Directory with the example tool sets.")] = Path("schemas"),
    bfcl: Annotated[Path | None, typer.Option(help="BFCL data for the scoring benchmark.")] = None,
) -> None:
    """Verified examples/s of build-dataset (one worker vs all cores) and BFCL scoring throughput."""
    _write_bench(out, {"dataset": _run_dataset_bench(n, schemas, bfcl)})


@bench_app.command("router")
def bench_router_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/router.json"),
    config: Annotated[Path, typer.Option(help="Router config.")] = Path("router/config.yaml"),
    steps: Annotated[
        list[Path] | None,
        typer.Option(help="Held-out labeled steps; repeat (default: every file in router/held_out/)."),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=1, help="Train the config's router with this many seeds and report the spread.")
    ] = 1,
) -> None:
    """Router accuracy on held-out realistic steps and per-step latency once loaded (p50/p95, batched), with the
    config's encoder and with static embeddings distilled from it."""
    _write_bench(out, {"router": _run_router_bench(config, steps or held_out_files(), seeds)})


@bench_app.command("serve")
def bench_serve_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/serve.json"),
    base: Annotated[str, typer.Option(help="Base model.")] = "smollm2",
    backend: Annotated[
        list[str] | None, typer.Option(help="embedded and/or vllm; repeat (default: both, vllm where installed).")
    ] = None,
) -> None:
    """Per backend: valid-call rate with/without constraints, per-token cost of each grammar engine, multi-LoRA
    throughput and adapter switch latency."""
    _write_bench(out, {"serve": _run_serve_bench(base, tuple(backend or ("embedded", "vllm")))})


@bench_app.command("train")
def bench_train_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/train.json"),
    steps: Annotated[int, typer.Option(help="SFT steps (batch 2).")] = 120,
    limit: Annotated[int, typer.Option(help="Cases per BFCL category and per agentft suite.")] = 100,
    overhead_steps: Annotated[
        int, typer.Option(help="Steps of the agentft-vs-plain-TRL overhead runs (0 skips them).")
    ] = 6,
) -> None:
    """Accuracy of the embedded base vs base + an SFT adapter trained only on agentft data, on every BFCL AST
    category in the BFCL folder and on irrelevance built from tools held out of training; training tokens/s; and
    the overhead of `agentft train` over a plain TRL script with the same settings (about an hour on 2 CPU cores)."""
    _write_bench(out, {"train": _run_train_bench(steps, limit, overhead_steps)})


@bench_app.command("all")
def bench_all_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/results.json"),
    n: Annotated[int, typer.Option("--n", help="Examples per tools file (dataset benchmark).")] = 10000,
    train: Annotated[bool, typer.Option(help="Include the (long) training benchmark.")] = True,
) -> None:
    """Every benchmark, each record written beside OUT as it finishes (NAME.json, as `agentft bench NAME` writes
    it), then collected into OUT and its markdown summary (as `agentft bench summary` does)."""
    runs = {
        "dataset": lambda: _run_dataset_bench(n, Path("schemas"), None),
        "router": lambda: _run_router_bench(Path("router/config.yaml"), held_out_files()),
        "serve": lambda: _run_serve_bench("smollm2"),
        "train": lambda: _run_train_bench(120, 100),
    }
    for name, run in runs.items():
        if name != "train" or train:
            _write_bench(out.parent / f"{name}.json", {name: run()})
    _collect_bench(out.parent, out)


def _run_router_bench(config: Path, steps: list[Path], seeds: int = 1) -> dict:
    from agentft.bench_serve import bench_router
    from agentft.commands import quiet_libraries
    from agentft.commands.router import latency_line

    quiet_libraries()
    with console.status("benchmarking the router ..."):
        result = bench_router(config, steps, seeds=seeds)
    for name, run in result["encoders"].items():
        per_file = ", ".join(f"{stem} {acc:.1%}" for stem, acc in run["accuracy_per_file"].items())
        console.print(
            f"router ({name}): {run['accuracy']:.1%} on {run['n']} held-out steps ({per_file}); "
            f"{latency_line(run['latency_ms'])}"
        )
    if "seeds" in result:
        spread = result["seeds"]
        console.print(
            f"router ({spread['encoder']}) over seeds {[run['seed'] for run in spread['runs']]}: mean "
            f"{spread['accuracy_mean']:.2%}, min {spread['accuracy_min']:.2%}, max {spread['accuracy_max']:.2%}"
        )
    return result


def _run_serve_bench(base: str, backends: tuple[str, ...] = ("embedded", "vllm")) -> dict:
    from agentft.bench import fmt
    from agentft.bench_serve import bench_serve
    from agentft.commands import quiet_libraries

    quiet_libraries()
    with console.status("benchmarking serving ..."):
        result = bench_serve(Path("datasets"), base, backends=backends)
    for kind in backends:
        if kind not in result:
            console.print(f"{kind}: not installed, skipped")
            continue
        run_set = result[kind]
        console.print(f"{kind}: unconstrained valid calls {run_set['unconstrained']['valid_call_rate']:.0%}")
        for grammar, run in run_set["constrained"].items():
            overhead = fmt(run["overhead_per_token"], "+.1%")
            console.print(f"  {grammar}: valid {run['valid_call_rate']:.0%}, overhead/token {overhead}")
        front = run_set["routing_front"]
        console.print(
            f"  OpenAI endpoint: auto p50 {front['auto']['p50_s']:.3f}s vs named {front['named']['p50_s']:.3f}s "
            f"({front['overhead_p50']:+.1%}), {front['auto']['requests_per_s']:.2f} vs "
            f"{front['named']['requests_per_s']:.2f} requests/s; routing {front['router_ms_p50']:.2f} ms"
        )
        multi = run_set["multi_lora"]
        console.print(
            f"  multi-LoRA (3 adapters mixed vs base): {multi['throughput_ratio']:.2f}x; "
            f"adapter switch {multi['adapter_switch_ms']:.1f} ms"
        )
    return result


def _run_train_bench(steps: int, limit: int, overhead_steps: int = 6) -> dict:
    from agentft.bench_train import bench_training
    from agentft.commands import quiet_libraries

    quiet_libraries()
    bfcl = _bfcl_default()
    if bfcl is None:
        raise AgentftError("the training benchmark needs BFCL data (../shared/bfcl or tests/data/bfcl)")
    return bench_training(
        Path("schemas"), bfcl, steps=steps, limit=limit, overhead_steps=overhead_steps, log=console.print
    )


def _run_dataset_bench(n: int, schemas: Path, bfcl: Path | None) -> dict:
    from agentft.bench import bench_dataset

    with console.status("benchmarking build-dataset and scoring..."):
        result = bench_dataset(schemas, bfcl or _bfcl_default(), n=n)
    table = Table(title="build-dataset (verified examples/s)")
    for column in ("tools", "1 worker", "all cores", "speedup", "valid"):
        table.add_column(column, justify="right")
    for entry in result["build_dataset"]:
        table.add_row(
            entry["tools"],
            f"{entry['one_worker']['examples_per_s']:.0f}",
            f"{entry['all_cores']['examples_per_s']:.0f}",
            f"{entry['speedup_all_cores']:.2f}x",
            f"{entry['valid_rate']:.2%}",
        )
    console.print(table)
    for entry in result["score"]:
        console.print(f"score {entry['category']}: {entry['predictions_per_s']:.0f} predictions/s")
    return result


@bench_app.command("summary")
def bench_summary_cmd(
    folder: Annotated[Path, typer.Option(help="Where the per-benchmark records are.")] = Path("bench"),
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON output.")] = Path("bench/results.json"),
) -> None:
    """Collect the latest per-benchmark records (dataset.json, router.json, serve.json, train.json) into one JSON
    file and its markdown summary, without rerunning them; each record keeps the machine it was measured on."""
    _collect_bench(folder, out)


def _collect_bench(folder: Path, out: Path) -> None:
    import json

    from agentft.bench import summary_markdown
    from agentft.io import write_json_atomic, write_text_atomic

    results: dict = {}
    machines: dict = {}
    for name in ("dataset", "router", "serve", "train"):
        path = folder / f"{name}.json"
        if path.is_file():
            record = json.loads(path.read_text())
            results[name] = record[name]
            machines[name] = record.get("machine")
    if not results:
        raise AgentftError(f"no benchmark records in {folder}; run `agentft bench all`")
    write_json_atomic(out, {"machines": machines, **results})
    write_text_atomic(out.with_suffix(".md"), summary_markdown(results))
    console.print(f"{', '.join(results)} collected into {out} and {out.with_suffix('.md')}")


def _write_bench(out: Path, results: dict) -> None:
    from agentft.bench import machine
    from agentft.io import write_json_atomic

    write_json_atomic(out, {"machine": machine(), **results})
    console.print(f"results written to {out}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("-o", "--out", help="Where the demo writes its artifacts.")] = Path(
        "artifacts/demo"
    ),
    base: Annotated[str, typer.Option(help="Base model shared by the adapters.")] = "smollm2",
    n: Annotated[int, typer.Option("--n", help="Examples per tool set.")] = 400,
    steps: Annotated[int, typer.Option(help="Training steps per adapter.")] = 24,
) -> None:
    """The main job end to end on the embedded SmolLM2-135M: build the code, retrieval and safety datasets from
    `schemas/`, train one adapter per skill (each evaluated against the base and passed through the safety gate),
    train the router, run agent tasks through router + constrained decoding + executors, and print base vs adapters.
    """
    from agentft.commands import quiet_libraries
    from agentft.demo import run_demo

    quiet_libraries()
    run_demo(out, console, base=base, n=n, steps=steps)


from agentft.commands.agent import agent_app  # noqa: E402
from agentft.commands.evaluate import eval_cmd  # noqa: E402
from agentft.commands.router import router_app  # noqa: E402
from agentft.commands.serve import serve_cmd  # noqa: E402
from agentft.commands.train import adapters_app, train_cmd  # noqa: E402

app.command("train")(train_cmd)
app.command("eval")(eval_cmd)
app.command("serve", context_settings={"allow_extra_args": True})(serve_cmd)
app.add_typer(adapters_app, name="adapters")
app.add_typer(router_app, name="router")
app.add_typer(agent_app, name="agent")


def main() -> None:
    try:
        app()
    except AgentftError as err:
        err_console.print(f"[bold red]error:[/bold red] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as err:  # an unwritable output folder, a full disk: the OS's words, one line
        where = f"{err.filename}: " if err.filename else ""
        err_console.print(f"[bold red]error:[/bold red] {where}{err.strerror or err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
