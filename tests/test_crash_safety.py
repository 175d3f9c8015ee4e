"""kill -9 at the worst moment: no partial dataset, registry entry or router folder is ever visible, and an
interrupted `train` continues with --resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, SCHEMAS


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "agentft", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not ready():
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def test_kill_during_build_dataset_leaves_no_dataset(tmp_path):
    out = tmp_path / "ds"
    # 30k rows: ~25 s of generating in memory, then ~2 s of writing, the window the kill aims at (200k took 3 min)
    proc = _start("build-dataset", SCHEMAS / "code_tools.json", "-o", out, "--n", "30000", "--workers", "1")
    _kill_when(proc, lambda: any(tmp_path.glob(".tmp-ds-*/*.jsonl")))  # killed while files are being written
    assert not out.exists()


def test_kill_during_train_then_resume(train_overrides, tmp_path):
    config = tmp_path / "job.yaml"
    config.write_text("name: tiny\n")
    overrides = [o for o in train_overrides if not o.startswith(("name=", "max_steps", "save_steps"))]
    overrides += ["max_steps=40", "save_steps=2", "safety.enabled=false", "eval.splits=[]", "eval.bfcl_dir=null"]
    sets = [f"--set={o}" for o in overrides]
    checkpoints = tmp_path / "run" / "checkpoints"
    proc = _start("train", config, *sets)
    _kill_when(proc, lambda: any(checkpoints.glob("checkpoint-*/trainer_state.json")))
    registry = tmp_path / "registry"
    assert not list(registry.glob("tiny/v*"))  # nothing registered by the killed job
    done = subprocess.run(
        [sys.executable, "-m", "agentft", "train", str(config), *sets, "--resume"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in registry.glob("tiny/v*")] == ["v1"]


def test_kill_during_router_train_leaves_no_partial_router(tmp_path):
    """Killed while saving (or, if that moment is missed, a few seconds in): the folder is absent or complete."""
    from agentft.router import Router

    out = tmp_path / "router"
    steps = f"--set=data.steps=[{ROOT / 'router' / 'train' / 'steps.jsonl'}]"
    args = ("router", "train", ROOT / "router" / "config.yaml", "-o", out, steps, "--set=data.datasets={}")
    proc = _start(*args, "--set=finetune=null")
    started = time.time()
    _kill_when(proc, lambda: any(tmp_path.glob(".tmp-router-*")) or time.time() - started > 4)
    assert not out.exists() or Router.load(out) is not None
