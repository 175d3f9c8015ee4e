"""Crude topical overlap between requests and tools: 5-letter stems of content words, enough to tell which tools a
request is near (distractors, irrelevance checks, the tool a harmful ask would use) without an embedding model."""

from __future__ import annotations

import functools
import re

from agentft.core.tools import ToolSpec
from agentft.dataset.queries import humanize

_WORD = re.compile(r"[a-z]{5,}")


# Stems every kind of tool description uses; shared, they say nothing about two tools' topics being near.
_COMMON_STEMS = {
    w[:5]
    for w in (
        "given", "specified", "provided", "specific", "returns", "retrieves", "based", "using", "which", "their",
        "about", "input", "output", "information", "details", "particular", "certain", "parameters", "function",
        "value", "other", "these", "there", "within", "where", "should", "whether", "optional", "default",
        "number", "string", "object",
    )
}  # fmt: skip


def stems(text: str) -> set[str]:
    """Crude 5-letter stems of content words ('multiplied' ~ 'multiply'), enough to spot topical overlap."""
    return {w[:5] for w in _WORD.findall(text.lower().replace("_", " "))}


def topic(tool: ToolSpec) -> frozenset[str]:
    return _described_topic(tool.name, tool.description)


@functools.lru_cache(maxsize=4096)
def _described_topic(name: str, description: str) -> frozenset[str]:
    return frozenset(stems(f"{humanize(name)} {description}") - _COMMON_STEMS)
