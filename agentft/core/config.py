"""Configs as strict pydantic models, loaded from YAML and overridden with `--set key.sub=value` (TRL's habit).

Unknown keys are errors: a typo in `learning_rate` must not silently train with the default. Errors name the file
(or `--set`) and the JSON path at fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from agentft.core.errors import AgentftError, json_path


class StrictConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _parse_value(text: str) -> Any:
    return yaml.safe_load(text) if text.strip() else ""


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """`key.sub=value` pairs (values parsed as YAML) applied onto a nested dict."""
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AgentftError(f"--set expects key=value, got {item!r}")
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise AgentftError(f"--set {key}: {part!r} is not a section")
            node = child
        node[parts[-1]] = _parse_value(value)
    return data


def load_yaml_model(model: type[BaseModel], path: str | Path | None, overrides: list[str]) -> BaseModel:
    """Validate YAML (plus `--set` overrides) into `model`; errors name the file and the JSON path."""
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise AgentftError("config file not found", file=path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise AgentftError(f"invalid YAML{where}", file=path) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise AgentftError("config must be a mapping", file=path, path="$")
        data = loaded or {}
    data = apply_overrides(data, overrides)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not isinstance(p, str) or p]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        raise AgentftError(message, file=path or "--set", path=json_path(loc) if loc else "$") from None
