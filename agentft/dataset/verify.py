"""Re-check a written dataset from its files: every call valid, every DPO rejected answer really wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentft.core.calls import ToolCallParseError, message_calls, parse_tool_calls
from agentft.core.io import iter_jsonl
from agentft.core.tools import ToolSpec, parse_tools
from agentft.core.validation import validate_call
from agentft.dataset.builder import SPLITS
from agentft.dataset.negatives import UNSAFE_CALL


class _ToolCache:
    """Rows repeat the same tool lists; normalize each distinct list once."""

    def __init__(self) -> None:
        self._cache: dict[str, list[ToolSpec]] = {}

    def __call__(self, tools: list[dict[str, Any]]) -> list[ToolSpec]:
        key = json.dumps(tools, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = parse_tools(tools)
        return self._cache[key]


# schema-valid rejections that are wrong by what they are: another tool, another value, a guard row's task tool
_WRONG_BY_KIND = ("wrong_tool", "wrong_value", UNSAFE_CALL)


def _rejected_is_wrong(row: dict[str, Any], tools: list[ToolSpec]) -> bool:
    rejected, chosen = row["rejected"][0], row["chosen"][0]
    if "content" in rejected:
        try:
            parse_tool_calls(rejected["content"])
        except ToolCallParseError:  # a malformed call, or prose where the chosen reply calls a tool (no_call)
            return True
        return False
    if "tool_calls" not in chosen:  # calling a tool when none was wanted
        return True
    bad = message_calls(rejected)
    if bad == message_calls(chosen):
        return False
    if len(bad) != len(message_calls(chosen)):  # a call left out of a parallel turn
        return True
    return any(validate_call(c, tools) for c in bad) or row["rejection_kind"] in _WRONG_BY_KIND


def verify_dataset(directory: Path) -> dict[str, int]:
    tools_for = _ToolCache()
    report = {"calls": 0, "valid_calls": 0, "dpo_pairs": 0, "rejected_wrong": 0}
    for split in SPLITS:
        for row in iter_jsonl(directory / f"{split}.jsonl"):
            tools = tools_for(row["tools"])
            for call in message_calls(row["messages"][-1]):
                report["calls"] += 1
                report["valid_calls"] += not validate_call(call, tools)
    for row in iter_jsonl(directory / "dpo.jsonl"):
        report["dpo_pairs"] += 1
        report["rejected_wrong"] += _rejected_is_wrong(row, tools_for(row["tools"]))
    return report
