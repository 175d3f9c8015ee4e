"""Embed the agentft router and agent in a plain loop (run from the repo root after `make demo`).

python examples/agent_loop.py "What does the vacation policy say about unused days?"
"""

import sys
from pathlib import Path

from agentft.adapters.registry import AdapterRegistry
from agentft.agent import Agent
from agentft.agent.executors import example_executors
from agentft.agent.skills import skill_toolsets
from agentft.core.tools import SKILL_TOOLS
from agentft.router import Router
from agentft.serving.embedded import EmbeddedBackend

DEMO = Path("artifacts/demo")

registry = AdapterRegistry(DEMO / "adapters")
adapters = {skill: registry.resolve(skill).adapter_dir for skill in SKILL_TOOLS if registry.versions(skill)}
agent = Agent(
    backend=EmbeddedBackend.load("smollm2", adapters, max_string_length=400),
    router=Router.load(DEMO / "router"),
    toolsets=skill_toolsets(Path("schemas")),
    executors=example_executors(DEMO / "workspace"),
    adapters={skill: skill if skill in adapters else None for skill in SKILL_TOOLS},
    max_steps=4,
)

messages = [{"role": "system", "content": agent.system_prompt}, {"role": "user", "content": sys.argv[1]}]
for index in range(agent.max_steps):  # your own loop: inspect, log or stop between steps
    result = agent.step(messages, index)
    messages = result.messages
    t = result.trace
    print(f"step {index}: route={t.route} ({t.confidence:.2f}) calls={t.calls} valid={t.valid} results={t.results}")
    if result.done:
        print("answer:", messages[-1]["content"])
        break
