"""An unmodified OpenAI-SDK tool loop against `agentft serve --router` (model `auto`): the server's router picks the
adapter for every request, and its choice comes back in the `x-agentft-adapter` header.

    agentft serve --router artifacts/demo/router --registry artifacts/demo/adapters -a code -a retrieval -a safety &
    python examples/openai_sdk_agent.py "Write hello.py that prints hello, then run it."

Nothing below is agentft-specific except the tool executors: swap in your own functions and tools.
"""

import json
import sys
from pathlib import Path

from openai import OpenAI

from agentft.agent.executors import example_executors
from agentft.core.tools import load_tools

client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="unused")
tools = [t.to_openai() for name in ("code", "retrieval", "safety") for t in load_tools(f"schemas/{name}_tools.json")]
run = example_executors(Path("artifacts/demo/workspace"))

messages = [{"role": "user", "content": sys.argv[1] if len(sys.argv) > 1 else "What does the vacation policy say?"}]
for step in range(6):
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=messages, tools=tools)
    message = raw.parse().choices[0].message
    adapter, confidence = raw.headers.get("x-agentft-adapter"), raw.headers.get("x-agentft-confidence")
    print(f"step {step}: adapter={adapter} confidence={confidence}")
    messages.append(message.model_dump(exclude_none=True))
    if not message.tool_calls:
        print("answer:", message.content)
        break
    for call in message.tool_calls:
        arguments = json.loads(call.function.arguments)  # already validated against the tool's schema by the server
        result = str(run[call.function.name](**arguments))
        print(f"  {call.function.name}({arguments}) -> {result[:120]!r}")
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
