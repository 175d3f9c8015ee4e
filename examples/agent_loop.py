"""Embed the agentft router and agent in a plain loop (run from the repo root after `make demo`).

python examples/agent_loop.py "What does the vacation policy say about unused days?"
"""

import sys
from pathlib import Path

from agentft.agent import Agent
from agentft.agent.executors import example_executors
from agentft.registry import AdapterRegistry
from agentft.router import Router
from agentft.serving.embedded import EmbeddedBackend
from agentft.tools import load_tools

DEMO = Path("artifacts/demo")
SKILLS = {"code": "code_tools.json", "retrieval": "retrieval_tools.json", "safety": "safety_tools.json"}

registry = AdapterRegistry(DEMO / "adapters")
adapters = {skill: registry.resolve(skill).adapter_dir for skill in SKILLS if registry.versions(skill)}
agent = Agent(
    backend=EmbeddedBackend.load("smollm2", adapters, max_string_length=400),
    router=Router.load(DEMO / "router"),
    toolsets={skill: [t.to_openai() for t in load_tools(Path("schemas") / name)] for skill, name in SKILLS.items()},
    executors=example_executors(DEMO / "workspace"),
    adapters={skill: skill if skill in adapters else None for skill in SKILLS},
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
