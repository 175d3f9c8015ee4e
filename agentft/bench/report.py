"""What every benchmark record carries (the machine) and the markdown summary of collected records.

Figures compared in one report are measured side by side in the same run.
"""

from __future__ import annotations

import json
import os
import platform
from typing import Any

from agentft import __version__


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "agentft": __version__,
    }


def fmt(value: float | None, spec: str) -> str:
    """A measured figure, or n/a where the run could not measure it (see `bench.serve._decode_rate`)."""
    return "n/a" if value is None else format(value, spec)


def summary_markdown(results: dict[str, Any]) -> str:
    """A short human summary of `agentft bench all`; ratios come from runs made side by side in that one call."""
    lines = ["# agentft benchmark summary", "", f"machine: `{json.dumps(machine())}`", ""]
    if "dataset" in results:
        lines += [
            "## build-dataset (verified examples/s)",
            "",
            "| tools | 1 worker | all cores | valid |",
            "|---|---|---|---|",
        ]
        for e in results["dataset"]["build_dataset"]:
            lines.append(
                f"| {e['tools']} | {e['one_worker']['examples_per_s']:.0f} | {e['all_cores']['examples_per_s']:.0f} "
                f"| {e['valid_rate']:.1%} |"
            )
        lines.append("")
    if "router" in results:
        lines += [
            "## router",
            "",
            "| encoder | accuracy (pooled) | per held-out file | p50 ms | p95 ms | mean ms | batched ms/step |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, run in results["router"]["encoders"].items():
            lat = run["latency_ms"]
            per_file = ", ".join(f"{stem} {acc:.1%}" for stem, acc in run["accuracy_per_file"].items())
            mean = f"{lat['single_mean']:.2f}" if "single_mean" in lat else "-"  # records before 2026-12 lack it
            lines.append(
                f"| {name} | {run['accuracy']:.1%} of {run['n']} | {per_file} | {lat['single_p50']:.2f} "
                f"| {lat['single_p95']:.2f} | {mean} | {lat['batched_per_step']:.2f} |"
            )
        if "seeds" in results["router"]:
            spread = results["router"]["seeds"]
            accuracies = ", ".join(f"seed {run['seed']} {run['accuracy']:.2%}" for run in spread["runs"])
            lines += ["", f"{spread['encoder']} by training seed: {accuracies}; mean {spread['accuracy_mean']:.2%}."]
        lines += ["", "Goals: accuracy 99%, p50 2 ms per step.", ""]
    if "serve" in results:
        serve = results["serve"]
        lines += [
            "## serving",
            "",
            "| backend | decoding | valid calls | decode ms/token | overhead/token |",
            "|---|---|---|---|---|",
        ]
        backends = [(kind, serve[kind]) for kind in ("embedded", "vllm") if kind in serve]
        for backend, run_set in backends:
            u = run_set["unconstrained"]
            rate = fmt(u["decode_ms_per_token"], ".1f")
            lines.append(f"| {backend} | unconstrained | {u['valid_call_rate']:.0%} | {rate} | - |")
            for grammar, run in run_set["constrained"].items():
                cells = [
                    f"{run['valid_call_rate']:.0%}",
                    fmt(run["decode_ms_per_token"], ".1f"),
                    fmt(run["overhead_per_token"], "+.1%"),
                ]
                lines.append(f"| {backend} | {grammar} | " + " | ".join(cells) + " |")
        lines.append("")
        for backend, run_set in backends:
            multi = run_set["multi_lora"]
            lines.append(
                f"- {backend} multi-LoRA: a batch mixing 3 adapters runs at {multi['throughput_ratio']:.2f}x "
                f"base-only throughput; adapter switch {multi['adapter_switch_ms']:.1f} ms."
            )
        lines.append("")
    if "train" in results:
        train = results["train"]
        lines += [
            "## training (SmolLM2-135M, CPU)",
            "",
        ]
        # `bench train --constrain-calls` also decodes both models with their calls held to the tools' schemas
        constrained = all("adapter_constrained" in acc for acc in train["accuracy"].values())
        extra = " base, constrained | adapter, constrained |" if constrained else ""
        header = f"| suite | n | base | adapter | delta (points) |{extra}"
        lines += [header, "|---" * (header.count("|") - 1) + "|"]
        for suite, acc in train["accuracy"].items():
            row = f"| {suite} | {acc['n']} | {acc['base']:.1%} | {acc['adapter']:.1%} | {acc['delta_points']:+.1f} |"
            if constrained:
                row += f" {acc['base_constrained']:.1%} | {acc['adapter_constrained']:.1%} |"
            lines.append(row)
        t = train["training"]
        line = f"training: {t['steps']} steps in {t['train_seconds']:.0f} s, {t['tokens_per_s']:.0f} tokens/s"
        if "overhead" in train:  # `bench train --overhead-steps 0` skips the comparison
            o = train["overhead"]
            line += (
                f"; `agentft train` vs a plain TRL script: {o['ratio_vs_warm']:.3f}x the warm plain run "
                f"({o['agentft_seconds']:.0f} s vs {o['plain_trl_seconds']}, {o['steps']} steps)"
            )
        lines += ["", line + ".", ""]
    return "\n".join(lines)
