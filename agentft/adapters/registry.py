"""The local adapter registry: `ROOT/NAME/vN/` folders, each a PEFT adapter plus its card, metrics and evaluation.

Versions are immutable once written (a new job makes v(N+1)); `entry.json` holds the status (`ok` or `rejected` by
the safety gate), lineage and headline metrics so `agentft adapters list` never loads weights.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentft.core.errors import AgentftError
from agentft.core.io import atomic_directory, write_json_atomic
from agentft.core.models import DEFAULT_BASE

ADAPTER_NAME = "default"  # PEFT's name for the adapter a training job trains

DEFAULT_REGISTRY = "artifacts/adapters"
_REF = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*?)(?:@v(?P<version>\d+))?$")


@dataclass(frozen=True)
class AdapterEntry:
    name: str
    version: int
    path: Path
    info: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version}"

    @property
    def adapter_dir(self) -> Path:
        return self.path / "adapter"

    @property
    def status(self) -> str:
        return self.info.get("status", "ok")


def registry_root(root: str | Path | None = None) -> Path:
    return Path(root or os.environ.get("AGENTFT_REGISTRY", DEFAULT_REGISTRY))


class AdapterRegistry:
    def __init__(self, root: str | Path | None = None):
        self.root = registry_root(root)

    def base_result(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A result of the bare base model, kept beside the registry: it depends only on the key (base, cases,
        budget), so every later job on the same base reuses it instead of decoding it again."""
        path = self.root / ".base_results.json"
        cache = json.loads(path.read_text()) if path.is_file() else {}
        if key not in cache:
            cache[key] = compute()
            write_json_atomic(path, cache)
        return cache[key]

    def versions(self, name: str) -> list[AdapterEntry]:
        folder = self.root / name
        out = []
        for path in folder.glob("v*/entry.json") if folder.is_dir() else []:
            version = path.parent.name[1:]
            if version.isdigit():
                out.append(AdapterEntry(name, int(version), path.parent, json.loads(path.read_text())))
        return sorted(out, key=lambda e: e.version)

    def list(self) -> list[AdapterEntry]:
        if not self.root.is_dir():
            return []
        return [e for d in sorted(self.root.iterdir()) if d.is_dir() for e in self.versions(d.name)]

    def resolve(self, ref: str, *, allow_rejected: bool = False) -> AdapterEntry:
        """`NAME` (latest accepted version) or `NAME@vN`."""
        match = _REF.match(ref)
        if not match:
            raise AgentftError(f"bad adapter reference {ref!r} (expected NAME or NAME@vN)")
        versions = self.versions(match["name"])
        if not versions:
            known = ", ".join(sorted({e.name for e in self.list()})) or "none"
            raise AgentftError(f"no adapter named {match['name']!r} in {self.root} (known: {known})")
        if match["version"]:
            for entry in versions:
                if entry.version == int(match["version"]):
                    return entry
            raise AgentftError(f"{match['name']} has no version v{match['version']} (latest: {versions[-1].ref})")
        usable = [e for e in versions if allow_rejected or e.status != "rejected"]
        if not usable:
            raise AgentftError(f"every version of {match['name']!r} was rejected by the safety gate")
        return usable[-1]

    def latest(self, name: str) -> AdapterEntry | None:
        versions = self.versions(name)
        return versions[-1] if versions else None

    def register(self, name: str, source: Path, info: dict[str, Any]) -> AdapterEntry:
        """Move a finished job folder (with `adapter/`) in as the next version."""
        if not (source / "adapter" / "adapter_config.json").is_file():
            raise AgentftError("not a finished adapter job (no adapter/adapter_config.json)", file=source)
        latest = self.latest(name)
        version = latest.version + 1 if latest else 1
        target = self.root / name / f"v{version}"
        info = {**info, "name": name, "version": version}
        with atomic_directory(target) as tmp:
            for item in source.iterdir():
                os.replace(item, tmp / item.name)
            write_json_atomic(tmp / "entry.json", info)
        return AdapterEntry(name, version, target, info)

    def update(self, entry: AdapterEntry, **changes: Any) -> AdapterEntry:
        info = {**entry.info, **changes}
        write_json_atomic(entry.path / "entry.json", info)
        return AdapterEntry(entry.name, entry.version, entry.path, info)


def adapter_dir(ref: str, registry: str | Path | None = None) -> Path:
    """A folder holding adapter_config.json, or a registry reference resolved to one; checked loadable (a JSON
    config and safetensors weights: pickled `.bin` weights are refused, as loading them can run code)."""
    path = Path(ref)
    for folder in (path, path / "adapter"):
        if (folder / "adapter_config.json").is_file():
            adapter_config(folder)
            if not (folder / "adapter_model.safetensors").is_file():
                raise AgentftError("no adapter_model.safetensors (only safetensors weights are loaded)", file=folder)
            return folder
    return AdapterRegistry(registry).resolve(ref).adapter_dir


def adapter_config(folder: Path) -> dict[str, Any]:
    path = folder / "adapter_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgentftError(f"not a readable adapter config ({type(exc).__name__})", file=path) from None
    if not isinstance(config, dict):
        raise AgentftError("adapter config must be a JSON object", file=path, path="$")
    return config


def resolve_adapters(
    refs: list[str], registry: str | Path | None = None, base: str | None = None
) -> tuple[str, dict[str, Path]]:
    """The base model and `{serving name: folder}` for adapter references: registry `NAME[@vN]`, a folder, or
    `NAME=FOLDER`.

    Without an explicit base, the first adapter's base is used (`adapter_base`). A registry reference is served under
    its own text, a folder under its name (`.` replaced: PEFT adapter names become module
    names).
    """
    folders: dict[str, Path] = {}
    for ref in refs:
        name, _, target = ref.rpartition("=") if "=" in ref else ("", "", ref)
        folder = adapter_dir(target, registry)
        name = name or (Path(target).name if Path(target).exists() else target)
        folders[name.replace(".", "_")] = folder
    if base is None:
        base = adapter_base(next(iter(folders.values()))) if folders else DEFAULT_BASE
    return base, folders


def adapter_base(folder: Path) -> str:
    """The base an adapter was trained on: the registry entry's record, else PEFT's config, else smollm2."""
    entry = folder.parent / "entry.json"
    if entry.is_file():
        return json.loads(entry.read_text()).get("base_model", DEFAULT_BASE)
    return adapter_config(folder).get("base_model_name_or_path") or DEFAULT_BASE
