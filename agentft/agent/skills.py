"""The skill agent every entry point shares (`agentft agent run`, the demo, examples/agent_loop.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentft.core.tools import SKILL_TOOLS, load_tools


def skill_toolsets(schemas: Path) -> dict[str, list[dict[str, Any]]]:
    """Each skill's tools (schemas/<skill>_tools.json) in OpenAI format, as the agent offers them."""
    return {skill: [t.to_openai() for t in load_tools(Path(schemas) / file)] for skill, file in SKILL_TOOLS.items()}


def skill_agent(
    base_model: str,
    router_dir: Path,
    registry: Path | None,
    schemas: Path,
    workspace: Path | None,
    max_steps: int,
    trace: Path | None,
    grammar: str = "llguidance",
    backend: str = "embedded",
):
    """LoRA-as-Tools over a registry: the latest accepted adapter of each skill (the base where none is), its
    tool set from `schemas`, the router choosing per step, and the example executors."""
    from agentft.adapters.registry import AdapterRegistry
    from agentft.agent.agent import Agent
    from agentft.agent.executors import example_executors
    from agentft.router import Router
    from agentft.serving import load_backend

    reg = AdapterRegistry(registry)
    found = {}
    for skill in SKILL_TOOLS:
        versions = [e for e in reg.versions(skill) if e.status == "ok"]
        if versions:
            found[skill] = versions[-1].adapter_dir
    engine = load_backend(backend, base_model, found, grammar=grammar, max_string_length=400)
    return Agent(
        backend=engine,
        router=Router.load(router_dir),
        toolsets=skill_toolsets(schemas),
        executors=example_executors(workspace),
        adapters={skill: skill if skill in found else None for skill in SKILL_TOOLS},
        max_steps=max_steps,
        trace_path=trace,
    )
