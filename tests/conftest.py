from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SCHEMAS = ROOT / "schemas"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real `agentft` entry point in a subprocess: exit codes and stderr exactly as a user sees them."""
    return subprocess.run(
        [sys.executable, "-m", "agentft", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=300,
    )


def train_frozen_router():
    """The router trained on the templated steps only (no dataset-derived queries), encoder frozen: a few seconds."""
    from agentft.router.config import load_router_config
    from agentft.router.trainer import train_router

    overrides = [f"data.steps=[{ROOT / 'router' / 'train' / 'steps.jsonl'}]", "data.datasets={}", "finetune=null"]
    return train_router(load_router_config(ROOT / "router" / "config.yaml", overrides), log=lambda _: None)


def free_port() -> int:
    """A port for a server started as a subprocess (in-process servers take port 0 instead)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fully_enforceable(tools: list[dict]) -> bool:
    """No keyword a grammar cannot enforce (`dependentRequired`, ...): constrained replies for these tools are valid
    calls even on random weights (the others are only validated after decoding)."""
    from agentft.serving.constrained import UNENFORCEABLE

    return not any(f'"{keyword}"' in json.dumps(tools) for keyword in UNENFORCEABLE)


@pytest.fixture
def write_json(tmp_path):
    def _write(obj, name: str = "tools.json") -> Path:
        path = tmp_path / name
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return path

    return _write


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A random 2-layer Llama with a BPE tokenizer trained on the sample datasets (offline, ~5 s)."""
    from agentft.core.tiny import build_tiny_model

    rows = []
    for name in ("code_tools", "retrieval_tools", "safety_tools"):
        rows += read_jsonl(ROOT / "datasets" / name / "train.jsonl")[:80]
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", rows, vocab_size=800)


@pytest.fixture(scope="session")
def tiny_adapters(tiny_model, tmp_path_factory) -> dict[str, Path]:
    """Two random (non-zero) LoRA adapters `a` and `b` of rank 4 on every linear layer of the tiny model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    folders = {}
    for name, seed in (("a", 1), ("b", 2)):
        torch.manual_seed(seed)
        model = get_peft_model(
            AutoModelForCausalLM.from_pretrained(tiny_model),
            LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False),
        )
        folders[name] = tmp_path_factory.mktemp(f"adapter-{name}")
        model.save_pretrained(folders[name])
    return folders


@pytest.fixture
def train_overrides(tiny_model, tmp_path) -> list[str]:
    """A fast SFT job on the tiny model: a few steps, a few eval cases, a private registry."""
    return [
        "name=tiny",
        f"base_model={tiny_model}",
        f"dataset={ROOT / 'datasets' / 'code_tools'}",
        "max_steps=3",
        "batch_size=2",
        "learning_rate=5e-3",
        "logging_steps=1",
        "eval_steps=2",
        "save_steps=2",
        "max_length=1536",
        "eval.limit=2",
        "eval.max_new_tokens=8",
        f"eval.bfcl_dir={DATA / 'bfcl'}",
        "eval.bfcl_categories=[simple_python]",
        f"safety.suite={ROOT / 'datasets' / 'safety' / 'v1' / 'suite.jsonl'}",
        "safety.max_new_tokens=8",
        f"registry={tmp_path / 'registry'}",
        f"output_dir={tmp_path / 'run'}",
    ]
