"""What the router reads of an agent step: the request and the latest tool result, kept apart end to end.

They used to travel as one string joined by a marker and split again before encoding, so a user message that
quoted the marker was mis-split. Now only the features that read one string (hashed n-grams, an encoder with
`split_tool_result: false`) see the joined `text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentft.core.errors import AgentftError

MAX_RESULT_CHARS = 400
RESULT_MARKER = "Tool result:"  # how `text` joins the two for the features that read one string
STEP_KEYS = frozenset({"request", "tool_result", "adapter", "source"})


@dataclass(frozen=True)
class Step:
    request: str
    tool_result: str = ""

    @classmethod
    def of(cls, messages: list[dict[str, Any]]) -> Step:
        """The latest user turn and the latest tool result — also when the user has spoken since: "post them in the
        channel" is routed by what the result holds (a build log or a payroll)."""
        user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
        tool = next((m for m in reversed(messages) if m.get("role") == "tool"), None)
        result = (tool.get("content") or "")[:MAX_RESULT_CHARS] if tool is not None else ""
        return cls((user or {}).get("content") or "", result)

    @property
    def text(self) -> str:
        return f"{self.request}\n{RESULT_MARKER} {self.tool_result}" if self.tool_result else self.request

    def to_json(self) -> dict[str, str]:
        return (
            {"request": self.request, "tool_result": self.tool_result}
            if self.tool_result
            else {"request": self.request}
        )

    @classmethod
    def from_json(cls, row: Any, *, file: Any = None, index: int = 0) -> Step:
        """A line of a steps file: `{"request": ..., "tool_result": ...}` (tool_result optional)."""
        if not isinstance(row, dict):
            raise AgentftError("each line must be a JSON object", file=file, path=f"$[{index}]")
        for key in ("request", "tool_result"):
            if key in row and not isinstance(row[key], str):
                raise AgentftError(f"'{key}' must be a string", file=file, path=f"$[{index}].{key}")
        if not row.get("request") and not row.get("tool_result"):
            raise AgentftError("each line needs a string 'request' (or 'tool_result')", file=file, path=f"$[{index}]")
        return cls(row.get("request", ""), row.get("tool_result", ""))
