"""Adapter composition: several LoRA adapters over one base become one, with PEFT's `add_weighted_adapter`."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from agentft import __version__
from agentft.adapters.registry import AdapterEntry, AdapterRegistry, registry_root, resolve_adapters
from agentft.core.errors import AgentftError
from agentft.core.io import write_text_atomic

MERGED = "merged"  # PEFT's name for the new adapter while it is built


def merge_adapters(
    refs: list[str],
    weights: list[float] | None,
    name: str,
    *,
    combination: str = "cat",
    density: float | None = None,
    registry: str | Path | None = None,
) -> AdapterEntry:
    """Weighted composition of adapters trained on the same base, registered as `name@vN`. `cat` (the default)
    keeps every adapter's update exactly (rank = sum of ranks); `linear` needs equal ranks; `svd`, `ties`, `dare_*`
    compress. Done on the full-precision base."""
    from peft import PeftModel

    from agentft.core.io import git_commit
    from agentft.core.models import load_model, resolve_base_model

    if len(refs) < 2:
        raise AgentftError("merge needs at least two adapters")
    weights = list(weights) if weights else [1.0 / len(refs)] * len(refs)
    if len(weights) != len(refs):
        raise AgentftError(f"{len(weights)} weights for {len(refs)} adapters; give one weight per adapter")
    base, folders = resolve_adapters(refs, registry)
    for ref, folder in zip(refs, folders.values(), strict=True):
        config = json.loads((folder / "adapter_config.json").read_text())
        if config.get("use_dora"):
            raise AgentftError(f"{ref} is a DoRA adapter; PEFT cannot merge DoRA adapters by weight", file=folder)
    names = list(folders)
    model = PeftModel.from_pretrained(
        load_model(resolve_base_model(base), "none", "float32"), str(folders[names[0]]), adapter_name=names[0]
    )
    for other in names[1:]:
        model.load_adapter(str(folders[other]), adapter_name=other)
    try:
        model.add_weighted_adapter(names, weights, MERGED, combination_type=combination, density=density)
    except ValueError as exc:
        raise AgentftError(f"cannot merge with {combination!r}: {exc}") from None
    root = registry_root(registry)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".merge-") as tmp:
        job = Path(tmp)
        model.save_pretrained(str(job), selected_adapters=[MERGED])
        (job / MERGED).rename(job / "adapter")  # PEFT saves a non-default adapter in a folder of its name
        sources = {ref: weight for ref, weight in zip(refs, weights, strict=True)}
        info = {
            "status": "ok",
            "stage": "merge",
            "base_model": base,
            "sources": sources,
            "combination": combination,
            "density": density,
            "git_commit": git_commit(),
            "agentft_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        lines = [f"# {name}: merged adapter", "", f"- base: `{base}`", f"- combination: `{combination}`", ""]
        lines += [f"- `{ref}` × {weight}" for ref, weight in sources.items()]
        write_text_atomic(job / "README.md", "\n".join(lines) + "\n")
        return AdapterRegistry(registry).register(name, job, info)


def export_merged(base_path: str, adapter_dir: Path, out: Path, dtype: str = "float32") -> None:
    """The adapter folded into the full-precision base's weights (never into 4-bit ones), saved with its tokenizer
    as a standalone model folder: served without PEFT, used as a teacher, or decoded fast by any backend."""
    from peft import PeftModel

    from agentft.core.io import atomic_directory
    from agentft.core.models import load_model, load_tokenizer

    merged = PeftModel.from_pretrained(load_model(base_path, "none", dtype), str(adapter_dir)).merge_and_unload()
    with atomic_directory(out) as tmp:
        merged.save_pretrained(tmp, safe_serialization=True)
        load_tokenizer(base_path).save_pretrained(tmp)
