"""Generation-based evaluation: any backend, base and adapters side by side, on dataset splits and BFCL categories.

Dataset splits are scored by exact call match (names and canonical argument values, order-free for parallel calls,
no call for irrelevance rows); BFCL categories by the BFCL-compatible checker in `agentft.evaluation.bfcl`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agentft.core.calls import ToolCall, message_calls
from agentft.core.chat_template import SYSTEM_PROMPT
from agentft.core.errors import AgentftError
from agentft.core.io import iter_jsonl
from agentft.core.tools import parse_tools
from agentft.evaluation.bfcl import category_files, is_relevance_category, score_entry
from agentft.serving.protocol import Backend, Completion, GenerationRequest, SamplingParams

BASE_LABEL = "base"


@dataclass
class EvalCase:
    request: GenerationRequest
    expected: list[ToolCall] | None  # dataset rows
    bfcl: tuple[str, dict[str, Any], dict[str, Any] | None] | None = None  # (category, entry, answer)


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _call_key(call: ToolCall) -> str:
    return json.dumps([call.name, _canonical(call.arguments)], sort_keys=True)


def calls_match(predicted: list[ToolCall], expected: list[ToolCall]) -> bool:
    return Counter(map(_call_key, predicted)) == Counter(map(_call_key, expected))


def dataset_cases(dataset_dir: str | Path, split: str, limit: int | None, sampling: SamplingParams) -> list[EvalCase]:
    path = Path(dataset_dir) / f"{split}.jsonl"
    if not path.is_file():
        raise AgentftError(f"dataset has no {split!r} split", file=path)
    return file_cases(path, limit, sampling)


def file_cases(path: Path, limit: int | None, sampling: SamplingParams) -> list[EvalCase]:
    """Rows of any file in agentft's dataset format, scored by exact call match."""
    if not path.is_file():
        raise AgentftError("evaluation file not found", file=path)
    cases = []
    for row in iter_jsonl(path):
        if limit is not None and len(cases) >= limit:
            break
        *prompt, answer = row["messages"]
        request = GenerationRequest(messages=prompt, tools=row.get("tools", []), sampling=sampling)
        cases.append(EvalCase(request, message_calls(answer)))
    return cases


def bfcl_cases(bfcl_dir: str | Path, category: str, limit: int | None, sampling: SamplingParams) -> list[EvalCase]:
    questions, answers_path = category_files(bfcl_dir, category)
    answers = {a["id"]: a for a in iter_jsonl(answers_path)} if answers_path else {}
    cases = []
    for entry in iter_jsonl(questions):
        if limit is not None and len(cases) >= limit:
            break
        tools = [t.to_openai() for t in parse_tools(entry["function"], source=questions)]
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, *entry["question"][0]]
        request = GenerationRequest(messages=messages, tools=tools, sampling=sampling)
        cases.append(EvalCase(request, None, (category, entry, answers.get(entry["id"]))))
    return cases


def case_correct(case: EvalCase, completion: Completion) -> tuple[bool, str | None]:
    """(correct, error type) of one completion."""
    if case.bfcl is not None:
        category, entry, answer = case.bfcl
        verdict = score_entry(category, entry, answer, {"text": completion.text})
        return verdict.valid, verdict.error_type
    if completion.parse_error:
        return False, "parse_error"
    if completion.errors:
        return False, f"invalid:{completion.errors[0].kind.value}"
    if not calls_match(completion.calls, case.expected or []):
        return False, "wrong_call" if case.expected else "called_when_irrelevant"
    return True, None


def case_id(case: EvalCase, index: int) -> str:
    return str(case.bfcl[1].get("id", index)) if case.bfcl is not None else str(index)


def score_cases(
    cases: Sequence[EvalCase], completions: Sequence[Completion], outputs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The suite's scores; with `outputs`, one record per case is appended there (what was asked, what came back,
    the verdict), so failures can be read one by one rather than only counted."""
    verdicts = [case_correct(c, o) for c, o in zip(cases, completions, strict=True)]
    if outputs is not None:
        for i, (case, completion, (ok, error)) in enumerate(zip(cases, completions, verdicts, strict=True)):
            question = next((m["content"] for m in reversed(case.request.messages) if m["role"] == "user"), "")
            expected = None if case.expected is None else [c.model_dump() for c in case.expected]
            if case.bfcl is not None and case.bfcl[2] is not None:
                expected = case.bfcl[2].get("ground_truth")
            outputs.append(
                {
                    "id": case_id(case, i),
                    "question": question,
                    "output": completion.text,
                    "expected": expected,
                    "correct": ok,
                    "error": error,
                }
            )
    n = len(verdicts)
    tokens = sum(o.new_tokens for o in completions)
    return {
        "n": n,
        "accuracy": sum(ok for ok, _ in verdicts) / n if n else 0.0,
        "valid_rate": sum(o.valid for o in completions) / n if n else 0.0,
        "errors": dict(Counter(err for ok, err in verdicts if not ok and err)),
        "new_tokens": tokens,
    }


def evaluate(
    backend: Backend,
    suites: dict[str, list[EvalCase]],
    adapters: Iterable[str | None],
    progress: Any = None,
    outputs: list[dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """`{label: {suite: scores}}` for the base (None) and each adapter; one generate call per suite and adapter.
    `outputs`: where to append one record per case (see `score_cases`), labelled with model and suite."""
    results: dict[str, dict[str, Any]] = {}
    for adapter in adapters:
        label = adapter or BASE_LABEL
        results[label] = {}
        for suite, cases in suites.items():
            requests = [GenerationRequest(**{**vars(c.request), "adapter": adapter}) for c in cases]
            completions = backend.generate(requests)
            records: list[dict[str, Any]] | None = None if outputs is None else []
            results[label][suite] = score_cases(cases, completions, records)
            if outputs is not None:
                outputs.extend({"model": label, "suite": suite, **r} for r in records or [])
            if progress is not None:
                progress(label, suite, results[label][suite])
    return results


def build_suites(
    dataset_dir: str | Path | None,
    splits: Iterable[str],
    bfcl_dir: str | Path | None,
    categories: Iterable[str],
    limit: int | None,
    max_new_tokens: int,
    files: Iterable[str | Path] = (),
    constrain_calls: bool = False,
) -> dict[str, list[EvalCase]]:
    """`constrain_calls`: decode every case in the trained format with its calls held to the offered tools' schemas
    (`GenerationRequest.constrain_calls`), as a server with constrained decoding would."""
    sampling = SamplingParams(max_new_tokens=max_new_tokens)
    suites: dict[str, list[EvalCase]] = {}
    if dataset_dir is not None:
        for split in splits:
            suites[split] = dataset_cases(dataset_dir, split, limit, sampling)
    for file in map(Path, files):
        suites[file.stem] = file_cases(file, limit, sampling)
    if bfcl_dir is not None:
        for category in categories:
            if is_relevance_category(category):
                raise AgentftError(f"BFCL category {category!r}: only AST categories are evaluated here")
            suites[f"bfcl:{category}"] = bfcl_cases(bfcl_dir, category, limit, sampling)
    if constrain_calls:  # rows without tools (plain chat) have no calls to hold
        for case in (c for cases in suites.values() for c in cases if c.request.tools):
            case.request = replace(case.request, constrain_calls=True)
    return suites
