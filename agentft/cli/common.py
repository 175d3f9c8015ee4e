"""CLI command groups, one module per stage; `agentft.cli.app` mounts them."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def quiet_libraries() -> None:
    """Keep the terminal for agentft's own progress: library deprecation chatter and per-map bars off."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="peft|trl|transformers|torch")
    for name in ("bitsandbytes", "transformers", "trl", "peft", "datasets", "accelerate", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import transformers

        import datasets

        datasets.disable_progress_bars()
        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:
        pass


def bfcl_default() -> Path | None:
    """The BFCL data the benchmark and the demo use when none is named: the shared copy, else the tests' excerpt."""
    for candidate in (Path("../shared/bfcl"), Path("tests/data/bfcl")):
        if candidate.is_dir():
            return candidate
    return None
