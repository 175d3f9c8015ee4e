"""Dataset rows → the conversational rows TRL trainers take, tools inlined into the system turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentft.core.chat_template import chat_messages, flat_message
from agentft.core.errors import AgentftError
from agentft.core.io import iter_jsonl


def split_path(dataset_dir: str | Path, split: str) -> Path:
    path = Path(dataset_dir) / f"{split}.jsonl"
    if not Path(dataset_dir).is_dir():
        raise AgentftError("dataset folder not found (build one with `agentft build-dataset`)", file=dataset_dir)
    if not path.is_file():
        raise AgentftError(f"dataset has no {path.name}; is it an `agentft build-dataset` output?", file=path)
    return path


def read_rows(dataset_dir: str | Path, split: str, limit: int | None = None) -> list[dict[str, Any]]:
    path = split_path(dataset_dir, split)
    rows = []
    for index, row in enumerate(iter_jsonl(path)):
        if limit is not None and index >= limit:
            break
        key = "prompt" if split == "dpo" else "messages"
        if not isinstance(row, dict) or key not in row:
            raise AgentftError(f"row has no {key!r}: wrong split for this stage?", file=path, path=f"$[{index}]")
        rows.append(row)
    if not rows:
        raise AgentftError("split is empty", file=path)
    return rows


def sft_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"messages": chat_messages(r["messages"], r.get("tools"))} for r in rows]


def dpo_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "prompt": chat_messages(r["prompt"], r.get("tools")),
            "chosen": [flat_message(m) for m in r["chosen"]],
            "rejected": [flat_message(m) for m in r["rejected"]],
        }
        for r in rows
    ]


def to_dataset(rows: list[dict[str, Any]]) -> Any:
    from datasets import Dataset

    return Dataset.from_list(rows)
