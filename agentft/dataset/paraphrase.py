"""The build-dataset paraphrase hook backed by a teacher model: queries rewritten in other words, values kept."""

from __future__ import annotations

from agentft.core.calls import ToolCall
from agentft.core.tools import ToolSpec
from agentft.serving.protocol import Backend, GenerationRequest, SamplingParams

PARAPHRASE_PROMPT = (
    "Rewrite the user's request below in different words, as a person would type it. Keep every name, number and "
    "quoted value exactly as written. Reply with the rewritten request only."
)


class TeacherParaphraser:
    """The build-dataset `Paraphraser` hook backed by a teacher; a rewrite is kept only if no value is lost."""

    def __init__(self, backend: Backend, max_new_tokens: int = 96):
        self.backend = backend
        self.sampling = SamplingParams(max_new_tokens=max_new_tokens)

    def __call__(self, query: str, calls: list[ToolCall], tools: list[ToolSpec]) -> str:
        messages = [{"role": "system", "content": PARAPHRASE_PROMPT}, {"role": "user", "content": query}]
        text = self.backend.generate([GenerationRequest(messages=messages, sampling=self.sampling)])[0].text
        return text.strip().strip('"') or query
