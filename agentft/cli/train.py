"""`agentft train` and `agentft adapters ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentft.cli.common import console, quiet_libraries
from agentft.core.models import DEFAULT_BASE


def train_cmd(
    config: Annotated[Path, typer.Argument(help="YAML config (see `examples/train_*.yaml`).")],
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config key: `--set lora.r=8 --set max_steps=20` (values are YAML)."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint of this job's run folder.")] = False,
) -> None:
    """Train one adapter: **sft**, **dpo** or **distill** (sequence- or logit-level) with LoRA, DoRA, rsLoRA or
    LoRA+ on a full-precision or bitsandbytes 4/8-bit base.

    Writes the adapter (safetensors), `metrics.jsonl`, `loss.png`, an evaluation of base vs adapter and an adapter
    card, and registers the result as NAME@vN (`agentft adapters list`). Exits non-zero if the safety gate rejects it.
    """
    quiet_libraries()
    from agentft.adapters.safety_gate import safety_gate
    from agentft.training.config import load_config
    from agentft.training.job import run_job

    cfg = load_config(config, overrides or [])
    entry = run_job(cfg, resume=resume, log=console.print, post_train=safety_gate)
    if entry.info.get("eval"):
        from agentft.cli.evaluate import print_comparison

        print_comparison(entry.info["eval"], f"{entry.ref}: base vs adapter")
    console.print(f"card: {entry.path / 'README.md'}   curves: {entry.path / 'loss.png'}")


adapters_app = typer.Typer(help="The local adapter registry (NAME@vN).", no_args_is_help=True)
RegistryOpt = Annotated[
    Path | None, typer.Option(help="Registry folder (default: $AGENTFT_REGISTRY or artifacts/adapters).")
]


@adapters_app.command("list")
def adapters_list(registry: RegistryOpt = None) -> None:
    """Every registered adapter version with its status and headline accuracy."""
    from agentft.adapters.registry import AdapterRegistry

    reg = AdapterRegistry(registry)
    entries = reg.list()
    if not entries:
        console.print(f"no adapters in {reg.root}")
        return
    table = Table(title=f"adapters in {reg.root}")
    for column in ("adapter", "stage", "base", "status", "created", "test acc (base → adapter)"):
        table.add_column(column)
    for e in entries:
        evaluation = e.info.get("eval") or {}
        acc = ""
        if "base" in evaluation and "test" in evaluation["base"]:
            new = next(v for k, v in evaluation.items() if k != "base")
            acc = f"{evaluation['base']['test']['accuracy']:.1%} → {new['test']['accuracy']:.1%}"
        status = "[red]rejected[/red]" if e.status == "rejected" else e.status
        table.add_row(
            e.ref, e.info.get("stage", ""), e.info.get("base_model", ""), status, e.info.get("created", ""), acc
        )
    console.print(table)


@adapters_app.command("show")
def adapters_show(
    name: Annotated[str, typer.Argument(help="NAME (latest accepted) or NAME@vN.")], registry: RegistryOpt = None
) -> None:
    """Print an adapter's card."""
    from agentft.adapters.registry import AdapterRegistry

    entry = AdapterRegistry(registry).resolve(name, allow_rejected=True)
    console.print(f"[bold]{entry.ref}[/bold]  {entry.path}  status={entry.status}")
    console.print((entry.path / "README.md").read_text(), markup=False, highlight=False)


@adapters_app.command("export")
def adapters_export(
    name: Annotated[str, typer.Argument(help="NAME (latest accepted) or NAME@vN.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for the merged model.")],
    registry: RegistryOpt = None,
) -> None:
    """Merge an adapter into its full-precision base (fp32, never into 4-bit weights) and save a standalone
    model folder, e.g. to serve without PEFT or to use as a distillation teacher; quantize afterwards if needed."""
    quiet_libraries()
    from agentft.adapters.merge import export_merged
    from agentft.adapters.registry import AdapterRegistry
    from agentft.core.models import resolve_base_model

    entry = AdapterRegistry(registry).resolve(name)
    base = resolve_base_model(entry.info.get("base_model", DEFAULT_BASE))
    export_merged(base, entry.adapter_dir, out)
    console.print(f"{entry.ref} merged into {base} → {out}")


@adapters_app.command("merge")
def adapters_merge(
    names: Annotated[list[str], typer.Argument(help="Two or more adapters: NAME[@vN] or folders.")],
    weights: Annotated[
        list[float] | None, typer.Option("--weights", help="One weight per adapter (default: equal).")
    ] = None,
    out: Annotated[str, typer.Option("-o", "--out", help="Registry name of the merged adapter.")] = "merged",
    combination: Annotated[
        str, typer.Option(help="PEFT combination: linear (same rank), cat, svd, ties, dare_linear, ...")
    ] = "cat",
    density: Annotated[float | None, typer.Option(help="Kept fraction for ties/dare methods.")] = None,
    registry: RegistryOpt = None,
) -> None:
    """Compose adapters into one with PEFT's `add_weighted_adapter` (e.g. `merge code retrieval --weights 0.7 0.3
    -o coderet`) and register it as NAME@vN with its lineage. The result is a LoRA adapter on the same base."""
    quiet_libraries()
    from agentft.adapters.merge import merge_adapters

    entry = merge_adapters(names, weights, out, combination=combination, density=density, registry=registry)
    console.print(f"merged {', '.join(names)} → {entry.ref} ({entry.adapter_dir})")
