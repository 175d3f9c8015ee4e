"""`agentft bench ...`: each benchmark writes a JSON record under bench/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agentft.bench.train import DPO_LEARNING_RATE
from agentft.bench.train import STEPS as TRAIN_STEPS
from agentft.cli.common import bfcl_default, console
from agentft.core.errors import AgentftError
from agentft.core.models import DEFAULT_BASE
from agentft.dataset.builder import parse_mix
from agentft.router.held_out import held_out_files

bench_app = typer.Typer(help="Benchmarks; each writes JSON.", no_args_is_help=True)


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
    base: Annotated[str, typer.Option(help="Base model.")] = DEFAULT_BASE,
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
    steps: Annotated[int, typer.Option(help="Training steps, SFT and DPO together.")] = TRAIN_STEPS,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per training step.")] = 2,
    n: Annotated[int, typer.Option("--n", min=10, help="Training data's examples, as in build-dataset.")] = 1000,
    limit: Annotated[int, typer.Option(help="Cases per BFCL category and per agentft suite.")] = 100,
    overhead_steps: Annotated[
        int, typer.Option(help="Steps of the agentft-vs-plain-TRL overhead runs (0 skips them).")
    ] = 6,
    mix: Annotated[
        str | None, typer.Option(help="Training data's example mix, as in build-dataset (default: its mix).")
    ] = None,
    general_calls: Annotated[
        float, typer.Option(help="Training data's --general-calls share, as in build-dataset.")
    ] = 0.15,
    dpo_steps: Annotated[
        int, typer.Option(help="Of --steps, the last N are DPO continuing the SFT adapter (0 = SFT only).")
    ] = 0,
    dpo_kinds: Annotated[
        str | None,
        typer.Option(help="Comma-separated rejection kinds DPO trains on, e.g. call_when_irrelevant,no_call (all)."),
    ] = None,
    dpo_learning_rate: Annotated[float, typer.Option(help="DPO's learning rate.")] = DPO_LEARNING_RATE,
    dpo_loss: Annotated[
        str,
        typer.Option(help="Comma-separated TRL DPO loss types, summed; sigmoid,sft adds the chosen replies' NLL."),
    ] = "sigmoid",
    sft_adapter: Annotated[
        str | None,
        typer.Option(
            help="NAME@vN in the bench registry: an SFT adapter of an earlier run with the same data options and "
            "--steps minus --dpo-steps steps, so only DPO is trained (with no --dpo-steps: nothing is trained, the "
            "adapter is evaluated again)."
        ),
    ] = None,
    constrain_calls: Annotated[
        bool,
        typer.Option(
            "--constrain-calls",
            help="Also decode base and adapter with every call held to the tools' schemas (agentft eval "
            "--constrain-calls) and report it beside the free decoding.",
        ),
    ] = False,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed of the training data and of training; rerun a recipe with 1, 2, … to see its run-to-run spread "
            "(held-out tools and irrelevance suite unchanged)."
        ),
    ] = 0,
    outputs: Annotated[
        Path | None,
        typer.Option(help="Folder for every reply and verdict (JSONL per model and decoding), to read the errors."),
    ] = None,
) -> None:
    """Accuracy of the embedded base vs base + an adapter (SFT, then DPO with --dpo-steps) trained only on agentft
    data, on every BFCL AST category in the BFCL folder and on irrelevance asked of tools held out of training
    (bench/suites, kept fixed); training tokens/s; and the overhead of `agentft train` over a plain TRL script with
    the same settings. The adapter is merged into the base and both are decoded alike, on vLLM where it is
    installed. On 2 CPU cores with native bf16 (AMX): ~22 min of training at batch 2 (about linear in
    --batch-size; ~70 min in fp32 on a CPU without bf16), then ~4 min of evaluation on vLLM with --constrain-calls
    once the base's scores are cached, ~16 min the first time (hours on the embedded backend); bench/README.md,
    Training."""
    build: dict = {"general_calls": general_calls}
    if mix:
        build["mix"] = parse_mix(mix)
    options = {
        "dpo_steps": dpo_steps,
        "dpo_kinds": _names(dpo_kinds) if dpo_kinds else None,
        "dpo_learning_rate": dpo_learning_rate,
        "dpo_loss": tuple(_names(dpo_loss)),
        "sft_adapter": sft_adapter,
        "constrain_calls": constrain_calls,
        "seed": seed,
        "batch_size": batch_size,
        "n": n,
        "outputs": outputs,
    }
    _write_bench(out, {"train": _run_train_bench(steps, limit, overhead_steps, build=build, **options)})


def _names(text: str) -> list[str]:
    """A comma-separated option's names."""
    return [name.strip() for name in text.split(",") if name.strip()]


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
        "serve": lambda: _run_serve_bench(DEFAULT_BASE),
        "train": lambda: _run_train_bench(TRAIN_STEPS, 100),
    }
    for name, run in runs.items():
        if name != "train" or train:
            _write_bench(out.parent / f"{name}.json", {name: run()})
    _collect_bench(out.parent, out)


def _run_router_bench(config: Path, steps: list[Path], seeds: int = 1) -> dict:
    from agentft.bench.router import bench_router
    from agentft.cli.common import quiet_libraries
    from agentft.cli.router import latency_line

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
    from agentft.bench.report import fmt
    from agentft.bench.serve import bench_serve
    from agentft.cli.common import quiet_libraries

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


def _run_train_bench(steps: int, limit: int, overhead_steps: int = 6, **options: Any) -> dict:
    from agentft.bench.train import bench_training
    from agentft.cli.common import quiet_libraries

    quiet_libraries()
    bfcl = bfcl_default()
    if bfcl is None:
        raise AgentftError("the training benchmark needs BFCL data (../shared/bfcl or tests/data/bfcl)")
    return bench_training(
        Path("schemas"), bfcl, steps=steps, limit=limit, overhead_steps=overhead_steps, log=console.print, **options
    )


def _run_dataset_bench(n: int, schemas: Path, bfcl: Path | None) -> dict:
    from agentft.bench.dataset import bench_dataset

    with console.status("benchmarking build-dataset and scoring..."):
        result = bench_dataset(schemas, bfcl or bfcl_default(), n=n)
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

    from agentft.bench.report import summary_markdown
    from agentft.core.io import write_json_atomic, write_text_atomic

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
    from agentft.bench.report import machine
    from agentft.core.io import write_json_atomic

    write_json_atomic(out, {"machine": machine(), **results})
    console.print(f"results written to {out}")
