"""The package layout is the data flow: a module may import its own package and the layers below it, never above.

Checked on every `import` in agentft/, including the lazy ones inside functions (they are how heavy libraries stay
off the CLI's start-up path, and they are where upward imports used to hide).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agentft"

# lowest first; a layer sees every layer before it
LAYERS = ["core", "serving", "router", "evaluation", "dataset", "adapters", "training", "agent", "bench", "cli"]
RANK = {name: index for index, name in enumerate(LAYERS)}
TOP = {"__init__", "__main__"}  # the package root: the version, and `python -m agentft`


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "agentft":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_layer():
    misplaced = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.parent == PACKAGE
        and p.stem not in TOP
        or p.parent != PACKAGE
        and p.relative_to(PACKAGE).parts[0] not in RANK
    ]
    assert misplaced == []


@pytest.mark.parametrize("layer", LAYERS)
def test_no_upward_imports(layer):
    upward = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, module in _imports(path):
            target = _layer(module)
            if target is None or target == layer or target == "__init__":
                continue
            if RANK[target] >= RANK[layer]:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert upward == []


def test_the_check_sees_a_lazy_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from agentft.cli.app import app\n    return app\n")
    assert _imports(module) == [(2, "agentft.cli.app")]
