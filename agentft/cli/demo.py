"""`agentft demo`: the whole LoRA-as-Tools story on one machine, on the embedded SmolLM2-135M base.

tools → datasets → three skill adapters (each evaluated against the base and safety-gated) → router → agent loop
with routed, constrained, validated, executed tool calls → the comparison table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from agentft.cli.common import bfcl_default, console, quiet_libraries
from agentft.core.models import DEFAULT_BASE
from agentft.core.tools import SKILL_TOOLS
from agentft.dataset.builder import DEFAULT_MIX, SPLITS, BuildConfig, build_dataset
from agentft.dataset.verify import verify_dataset

AGENT_TASKS = [
    "Write a file hello.py that prints hello world, then run it.",
    "What does the vacation policy say about unused days?",
    "Redact the personal data in this note: 'Call Jane Doe at 555-867-5309 or jane@example.com.'",
]


def build_datasets(out: Path, n: int, console: Console) -> dict[str, Path]:
    table = Table(title="1. datasets for the code / retrieval / safety adapters")
    for column in ("adapter", *SPLITS, "valid calls", "DPO pairs", "rejected wrong"):
        table.add_column(column, justify="right")
    folders = {}
    for skill, name in SKILL_TOOLS.items():
        target = out / "datasets" / Path(name).stem
        with console.status(f"building and verifying {target} ..."):
            # one distractor tool per prompt keeps sequences short for CPU training; guard examples (~22% of rows)
            # keep the safety behaviour the gate checks (at ~11% two of three adapters fell below the base; at ~31%
            # the code adapter refused benign look-alikes: bench/README.md, Demo). Followups teach the agent loop
            # to answer once a tool result is in. No parallel_multiple: the agent makes one kind of call per step,
            # and those rows are the longest (~1,000 tokens against ~550), which on 2 cores is training time
            mix = {**DEFAULT_MIX, "parallel_multiple": 0.0, "followup": 0.15, "guard": 0.5}
            config = BuildConfig(n=n, max_distractors=1, mix=mix, guard_tools="schemas/safety_tools.json")
            manifest = build_dataset(Path("schemas") / name, target, config, command=["agentft", "demo"])
            check = verify_dataset(target)
        table.add_row(
            skill,
            *(str(manifest["totals"][s]) for s in SPLITS),
            f"{check['valid_calls'] / check['calls']:.1%}",
            str(check["dpo_pairs"]),
            f"{check['rejected_wrong'] / check['dpo_pairs']:.1%}",
        )
        folders[skill] = target
    console.print(table)
    return folders


def train_adapters(out: Path, datasets: dict[str, Path], base: str, steps: int, console: Console) -> list[Any]:
    from agentft.adapters.registry import AdapterRegistry
    from agentft.adapters.safety_gate import safety_gate
    from agentft.core.errors import AgentftError
    from agentft.core.models import preferred_dtype
    from agentft.training.config import load_config
    from agentft.training.job import run_job

    bfcl = bfcl_default()
    entries = []
    for skill, folder in datasets.items():
        overrides = [
            f"name={skill}",
            f"base_model={base}",
            f"dataset={folder}",
            f"dtype={preferred_dtype()}",
            f"max_steps={steps}",
            "batch_size=2",
            "learning_rate=5e-4",
            "logging_steps=2",
            f"eval_steps={steps}",  # one validation loss, at the end: each pass costs ~13 s on 2 cores
            f"registry={out / 'adapters'}",
            f"output_dir={out / 'runs' / skill}",
            "eval.limit=8",
            "eval.max_new_tokens=96",
            "safety.max_new_tokens=24",
            'rationale="demo: LoRA r=16 on all linear layers; the skill is a call format plus argument copying."',
        ]
        # BFCL questions no adapter trained on, the same ones for every adapter (the base's answers are cached after
        # the first): the demo's time goes to prefill on 2 cores, and the adapters' own test splits would add ~5 min
        if bfcl is not None:
            overrides += ["eval.splits=[]", f"eval.bfcl_dir={bfcl}", "eval.bfcl_categories=[simple_python]"]
        else:
            overrides.append("eval.splits=[test]")
        console.rule(f"2. training the {skill} adapter")
        try:
            entries.append(run_job(load_config(None, overrides), log=console.print, post_train=safety_gate))
        except AgentftError as exc:  # a rejected adapter is reported, and the demo goes on with the others
            console.print(f"[red]{exc}[/red]")
            rejected = AdapterRegistry(out / "adapters").latest(skill)
            if rejected is not None:
                entries.append(rejected)
    return entries


def train_demo_router(out: Path, datasets: dict[str, Path], console: Console) -> Path:
    from agentft.cli.router import print_router_report
    from agentft.router.config import load_router_config
    from agentft.router.trainer import evaluate_router, load_steps, train_router

    console.rule("3. router")
    config = load_router_config(
        # the encoder stays frozen: seconds instead of ~4 minutes, a few points of held-out accuracy
        "router/config.yaml",
        ["finetune=null", *(f"data.datasets.{skill}={folder}" for skill, folder in datasets.items())],
    )
    router = train_router(config, log=console.print)
    router.save(out / "router")
    print_router_report(evaluate_router(router, load_steps("router/held_out/eval_steps.jsonl"), latency_samples=50))
    return out / "router"


def run_agent(out: Path, base: str, console: Console) -> None:
    from agentft.agent.skills import skill_agent
    from agentft.cli.agent import print_trace

    console.rule("4. agent loop: routed adapter → constrained call → validation → executor")
    trace = out / "agent_trace.jsonl"
    trace.unlink(missing_ok=True)
    # up to four steps: a call or two, their results fed back, then the answer
    agent = skill_agent(base, out / "router", out / "adapters", Path("schemas"), out / "workspace", 4, trace)
    for task in AGENT_TASKS:
        messages, traces = agent.run(task)
        print_trace(traces, task)
        final = messages[-1]["content"] if messages[-1]["role"] == "assistant" else "(stopped at max steps)"
        console.print(f"[bold]answer:[/bold] {final}")
    console.print(f"trace: {trace}")


def summary(entries: list[Any], console: Console) -> None:
    console.rule("5. base vs adapters")
    table = Table(title="accuracy on held-out data (exact call match / BFCL checker)")
    for column in ("adapter", "suite", "n", "base", "adapter acc.", "safety base → adapter", "status"):
        table.add_column(column, justify="right")
    for entry in entries:
        evaluation = entry.info.get("eval", {})
        safety = entry.info.get("safety", {})
        gate = f"{safety['base']['score']:.2f} → {safety['adapter']['score']:.2f}" if safety else "-"
        for suite, base_scores in evaluation.get("base", {}).items():
            adapter_scores = evaluation["default"][suite]
            table.add_row(
                entry.ref,
                suite,
                str(base_scores["n"]),
                f"{base_scores['accuracy']:.0%}",
                f"{adapter_scores['accuracy']:.0%}",
                gate,
                entry.status,
            )
    console.print(table)
    for entry in entries:
        console.print(f"{entry.ref}: card {entry.path / 'README.md'}, loss curves {entry.path / 'loss.png'}")
        safety = entry.info.get("safety")
        if safety:  # the gate weighs the score; what moved inside it is worth seeing too
            base, adapter = safety["base"]["categories"], safety["adapter"]["categories"]
            moves = ", ".join(f"{c} {base[c]:.0%} → {adapter[c]:.0%}" for c in adapter)
            console.print(f"  safety suite by category, base → adapter: {moves}")


def run_demo(out: Path, console: Console, *, base: str = DEFAULT_BASE, n: int = 400, steps: int = 25) -> None:
    spent: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return work()
        finally:
            spent[stage] = time.perf_counter() - started

    datasets = timed("datasets", lambda: build_datasets(out, n, console))
    entries = timed("adapters", lambda: train_adapters(out, datasets, base, steps, console))
    timed("router", lambda: train_demo_router(out, datasets, console))
    timed("agent", lambda: run_agent(out, base, console))
    summary(entries, console)
    stages = " · ".join(f"{stage} {seconds:.0f} s" for stage, seconds in spent.items())
    console.print(f"demo finished in {sum(spent.values()) / 60:.1f} min ({stages}); artifacts in {out}")


def demo(
    out: Annotated[Path, typer.Option("-o", "--out", help="Where the demo writes its artifacts.")] = Path(
        "artifacts/demo"
    ),
    base: Annotated[str, typer.Option(help="Base model shared by the adapters.")] = DEFAULT_BASE,
    n: Annotated[int, typer.Option("--n", help="Examples per tool set.")] = 400,
    steps: Annotated[int, typer.Option(help="Training steps per adapter.")] = 25,
) -> None:
    """The main job end to end on the embedded SmolLM2-135M: build the code, retrieval and safety datasets from
    `schemas/`, train one adapter per skill (each evaluated against the base and passed through the safety gate),
    train the router, run agent tasks through router + constrained decoding + executors, and print base vs adapters.
    """
    quiet_libraries()
    run_demo(out, console, base=base, n=n, steps=steps)
