"""`agentft demo`: the LoRA-as-Tools pipeline on one machine. Stages land as their issues do; today: data."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from agentft.bench import SCHEMA_FILES
from agentft.dataset.builder import SPLITS, BuildConfig, build_dataset
from agentft.dataset.verify import verify_dataset


def run_demo(out: Path, n: int, console: Console) -> None:
    table = Table(title="agentft demo: datasets for the code / retrieval / safety adapters")
    for column in ("adapter", *SPLITS, "valid calls", "DPO pairs", "rejected wrong"):
        table.add_column(column, justify="right")
    held_out = []
    for name in SCHEMA_FILES:
        target = out / "datasets" / Path(name).stem
        with console.status(f"building {target} ..."):
            manifest = build_dataset(Path("schemas") / name, target, BuildConfig(n=n), command=["agentft", "demo"])
        with console.status(f"verifying {target} ..."):
            check = verify_dataset(target)
        adapter = Path(name).stem.replace("_tools", "")
        table.add_row(
            adapter,
            *(str(manifest["totals"][s]) for s in SPLITS),
            f"{check['valid_calls'] / check['calls']:.1%}",
            str(check["dpo_pairs"]),
            f"{check['rejected_wrong'] / check['dpo_pairs']:.1%}",
        )
        held_out.append(f"{adapter}: {', '.join(manifest['ood_tools'])}")
    console.print(table)
    console.print("tools held out for test_ood: " + "; ".join(held_out))
    console.print(f"datasets, manifests and cards: {out / 'datasets'}")
    console.print("next stages (training, routing, serving, eval) arrive with their issues.")
