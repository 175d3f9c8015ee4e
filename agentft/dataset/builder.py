"""`agentft build-dataset`: tools file -> verified function-calling SFT/DPO data with splits and lineage.

Each example is generated from its own seed (`seed:index`), so the output is identical for a seed whatever
the number of worker processes; dedup and split assignment happen afterwards in index order.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import re
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from agentft import __version__
from agentft.core.calls import ToolCall
from agentft.core.chat_template import SYSTEM_PROMPT
from agentft.core.errors import AgentftError
from agentft.core.io import atomic_directory, dumps_line, sha256_file, write_json_atomic, write_text_atomic
from agentft.core.repairs import Repair
from agentft.core.tools import ToolSpec, load_tools
from agentft.core.validation import validate_call
from agentft.dataset import topics
from agentft.dataset.general import GeneralRequest, general_request
from agentft.dataset.guardrails import guard_example, guard_tools
from agentft.dataset.negatives import (
    CALL_AFTER_RESULT,
    IRRELEVANT_REJECTION,
    REJECTION_KINDS,
    UNSAFE_CALL,
    call_when_irrelevant,
    rejected_for_calls,
)
from agentft.dataset.queries import (
    Paraphraser,
    multi_query,
    no_tool_answer,
    referent,
    referring_query,
    repeated_query,
    single_query,
    states_all_values,
)
from agentft.dataset.synth import ArgumentSynthesizer, SynthesisError
from agentft.dataset.values import OBJECT_TITLES, PERSON_NOUNS

# BFCL's call shapes: one call; the right tool among distractors; one tool called 2-4 times; several tools; none.
# Then three agent-loop shapes, off by default: `followup` answers in plain text once a tool result is in (an agent
# that never learned to stop calls tools until max_steps), `guard` keeps safety behaviour (see guardrails.py),
# `recovery` calls again with the id a tool's error offers for the object the request named (an agent that only
# saw errors reported back repeats them as its answer).
KINDS = ("single", "multiple", "parallel", "parallel_multiple", "irrelevance", "followup", "guard", "recovery")
DEFAULT_MIX = {"single": 0.25, "multiple": 0.25, "parallel": 0.2, "parallel_multiple": 0.15, "irrelevance": 0.3}
SPLITS = ("train", "val", "test", "test_ood")
MAX_TOOL_BYTES = 32 << 10


def _tool_result(rng: random.Random, sentences: list[str]) -> tuple[str, str]:
    """A tool result as executors write them (JSON, plain text, several lines, an error) and the plain answer that
    follows it: an adapter that only ever saw one shape echoes the others back, template markup and all."""
    sentence = rng.choice(sentences)
    shape = rng.choice(("json", "text", "lines", "error"))
    if shape == "error":
        reason = rng.choice(("no such file", "unknown document", "permission denied", "timed out after 30 s"))
        detail = f"{reason}: {sentence.rstrip('.').lower()}"
        answer = rng.choice(("The tool reported an error: {d}.", "That did not work ({d}).", "It failed: {d}."))
        return f"error: {detail}", answer.format(d=detail)
    if shape == "json":
        result = dumps_line({"ok": True, "output": sentence})
    elif shape == "lines":
        extra = rng.choice(sentences)
        result, sentence = f"{sentence}\n{extra}", f"{sentence} {extra}"
    else:
        result = sentence
    answer = rng.choice(["Done. {s}", "Here is what came back: {s}", "{s}", "It worked: {s}"])
    return result, answer.format(s=sentence)


def _unknown_id_error(rng: random.Random, noun: str, wrong: Any, options: list[tuple[Any, str]]) -> str:
    """A tool's answer to an id it does not know, listing the ones it does, in the shapes tools write it."""
    shape = rng.randrange(4)
    if shape == 0:
        known = "; ".join(f"{value} ({title})" for value, title in options)
        return f"error: unknown {noun} {json.dumps(wrong)}; known: {known}"
    if shape == 1:
        known = "\n".join(f"- {value}: {title}" for value, title in options)
        return f"error: {noun} not found: {wrong}. Available {noun}s:\n{known}"
    if shape == 2:
        available = [{"id": value, "title": title} for value, title in options]
        return dumps_line({"error": f"no {noun} with id {wrong}", "available": available})
    known = ", ".join(f"{value} = {title}" for value, title in options)
    return f"error: 404 {noun} {wrong} does not exist. Valid ids: {known}"


@dataclass
class BuildConfig:
    n: int = 1000
    seed: int = 0
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    ood_fraction: float = 0.1  # share of examples that go to test_ood
    ood_tools: float = 0.2  # share of tools held out of training entirely (at least 1 when there are >= 3)
    optional_rate: float = 0.5
    dpo_per_example: int = 2
    max_parallel: int = 4
    max_distractors: int = 4
    mask_rate: float = 0.0  # share of examples whose tool and parameter names are masked (Hammer)
    # share of single/multiple rows that ask a general-knowledge question with a tool that answers it (general.py):
    # it raised BFCL accuracy on every category; alone it dropped irrelevance from 93% to 26%, with irrelevance at
    # 0.3 of the mix (the default) irrelevance stayed at 84% (bench/README.md, Training)
    general_calls: float = 0.15
    strict: bool = False  # fail on the first tool that needs a repair or cannot be synthesized, instead of going on
    guard_tools: str | None = None  # tools file with refuse_request, redact_pii, detect_prompt_injection
    workers: int = 0  # 0 = one per core

    def validate(self) -> None:
        if self.n < 1:
            raise AgentftError("--n must be at least 1")
        unknown = set(self.mix) - set(KINDS)
        if unknown:
            raise AgentftError(
                f"unknown example kind(s) in --mix: {', '.join(sorted(unknown))} (choose from {', '.join(KINDS)})"
            )
        if any(w < 0 for w in self.mix.values()) or sum(self.mix.values()) <= 0:
            raise AgentftError("--mix weights must be non-negative and not all zero")
        if self.mix.get("guard", 0) > 0 and not self.guard_tools:
            raise AgentftError("--mix guard needs --guard-tools FILE (e.g. schemas/safety_tools.json)")
        for name in ("val_fraction", "test_fraction", "ood_fraction", "ood_tools", "optional_rate"):
            if not 0 <= getattr(self, name) < 1:
                raise AgentftError(f"{name} must be in [0, 1)")
        for name in ("mask_rate", "general_calls"):
            if not 0 <= getattr(self, name) <= 1:
                raise AgentftError(f"{name} must be in [0, 1]")


def parse_mix(text: str) -> dict[str, float]:
    """'single=0.5,parallel=0.5' -> {'single': 0.5, 'parallel': 0.5}."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, weight = part.partition("=")
        try:
            mix[name.strip()] = float(weight)
        except ValueError:
            raise AgentftError(f"--mix entry {part!r} must look like kind=weight") from None
        if not sep:
            raise AgentftError(f"--mix entry {part!r} must look like kind=weight")
    return mix


# --- example generation (runs in worker processes) --------------------------------------------------------


@dataclass
class Example:
    """One generated example. Rows travel pre-serialized: JSON strings cross process boundaries cheaply."""

    index: int
    kind: str
    ood: bool
    row_json: str  # the row without its "id" (assigned once splits are known)
    dpo_json: list[tuple[str, str]]  # (rejection_kind, pair without "id")
    key: str
    id: str = ""
    general: bool = False  # a general-knowledge question asked with a tool that answers it (--general-calls)

    def line(self) -> str:
        return _with_id(self.id, self.row_json)

    def dpo_lines(self) -> list[str]:
        return [_with_id(f"{self.id}_dpo{j}", body) for j, (_, body) in enumerate(self.dpo_json)]


def _with_id(row_id: str, body: str) -> str:
    return '{"id":' + json.dumps(row_id) + "," + body[1:] + "\n"


class ExampleFactory:
    """Generates the example for one index; pure function of (tools, config, index)."""

    def __init__(
        self,
        tools: list[ToolSpec],
        ood_names: set[str],
        config: BuildConfig,
        paraphrase: Paraphraser | None = None,
        guards: Sequence[ToolSpec] = (),
    ):
        self.config = config
        self.paraphrase = paraphrase
        self.guards = list(guards)
        self.pools = {
            False: [t for t in tools if t.name not in ood_names],
            True: [t for t in tools if t.name in ood_names],
        }
        self.tool_json = {t.name: dumps_line(t.to_openai()) for t in [*tools, *self.guards]}
        self.vocabulary = {
            ood: topics.stems(" ".join(f"{t.name} {t.description}" for t in pool)) for ood, pool in self.pools.items()
        }
        kinds = [k for k in KINDS if self.config.mix.get(k, 0) > 0]
        # a kind no tool here can make is left out of the draw, so the other kinds' rows are what they were
        self.takes_ids = any(referent(t, key) for t in tools for key in t.properties)  # recovery rows possible
        if not self.takes_ids and "recovery" in kinds:
            kinds.remove("recovery")
            if not kinds:
                raise AgentftError("--mix recovery needs a tool that takes an id (e.g. document_id, a uuid)")
        self.kinds, self.weights = kinds, [self.config.mix[k] for k in kinds]

    def __call__(self, index: int, ood: bool) -> Example | None:
        rng = random.Random(f"{self.config.seed}:{int(ood)}:{index}")
        kind = rng.choices(self.kinds, self.weights)[0]
        synth = ArgumentSynthesizer(rng, optional_rate=self.config.optional_rate)
        try:
            return self._example(index, ood, kind, rng, synth)
        except SynthesisError:
            return None  # a rare draw no value satisfied (every tool passed the preflight): this index is skipped

    def _example(self, index: int, ood: bool, kind: str, rng: random.Random, synth: ArgumentSynthesizer) -> Example:
        pool = self.pools[ood]
        if kind in ("multiple", "parallel_multiple") and len(pool) < 2:
            kind = "single"
        if kind == "guard":
            conversation, offered, call, unsafe = guard_example(self.guards, pool, synth, rng, synth.pools)
            mistake = (UNSAFE_CALL, unsafe) if unsafe is not None else None
            return self._answered(index, ood, "guard", conversation, offered, [call], rng, mistake)
        if kind == "recovery":
            recovered = self._recovery(index, ood, rng, pool, synth)
            if recovered is not None:
                return recovered
            kind = "single"  # no tool here takes an id of something a person names
        if kind == "followup":
            tool = rng.choice(pool)
            call = synth.call(tool)
            result, answer = _tool_result(rng, synth.pools["sentence"])
            conversation = [
                {"role": "user", "content": single_query(tool, call, rng)},
                {"role": "assistant", "tool_calls": [call.to_openai()]},
                {"role": "tool", "name": tool.name, "content": result},
            ]
            return self._answered(index, ood, "followup", conversation, [tool], answer, rng, (CALL_AFTER_RESULT, call))
        if kind == "irrelevance":
            if len(pool) >= 2 and rng.random() < 0.5:
                return self._missing_tool(index, ood, rng, pool, synth)
            request = self._unrelated_request(rng, ood)
            if request is not None:
                offered = rng.sample(pool, min(len(pool), rng.randint(1, self.config.max_distractors)))
                return self._irrelevance(index, ood, rng, offered, synth, request.question, request.answer)
            kind = "single"  # every draw overlapped the tools' topics
        groups: list[tuple[ToolSpec, list[ToolCall]]] = []
        general = None
        if kind == "parallel":
            tool = rng.choice(pool)
            calls = _repeated_calls(tool, synth, rng, rng.choices((2, 3, 4), (5, 3, 2))[0], self.config.max_parallel)
            groups.append((tool, calls))
            if len(calls) < 2:
                kind = "single"
        elif kind == "parallel_multiple":
            for tool in rng.sample(pool, min(len(pool), rng.choice((2, 2, 3)))):
                repeat = 2 if tool.properties and rng.random() < 0.3 else 1
                groups.append((tool, _repeated_calls(tool, synth, rng, repeat, self.config.max_parallel)))
        else:
            # not in test_ood, which asks only for the held-out tools
            asks_general = self.config.general_calls and not ood and rng.random() < self.config.general_calls
            general = self._general_call(rng) if asks_general else None
            if general is not None:
                tool, call, _ = general
            else:
                tool = rng.choice(pool)
                call = synth.call(tool)
            groups.append((tool, [call]))
        offered = [tool for tool, _ in groups]
        distractors = {"multiple": 1.0, "parallel": 0.3, "parallel_multiple": 0.5}.get(kind, 0.0)
        if rng.random() < distractors:
            offered += self._distractors(offered, pool, rng)
            rng.shuffle(offered)
        if kind == "parallel_multiple":
            query = multi_query(groups, rng)
        elif kind == "parallel":
            query = repeated_query(*groups[0], rng)
        elif general is not None:
            query = general[2]
        else:
            query = single_query(groups[0][0], groups[0][1][0], rng)
        calls = [call for _, group in groups for call in group]
        if self.paraphrase is not None:
            rewritten = self.paraphrase(query, calls, offered)
            if states_all_values(rewritten, calls):
                query = rewritten
        if rng.random() < self.config.mask_rate:
            offered, calls = mask_names(offered, calls, rng)
        prompt = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": query}]
        chosen = {"role": "assistant", "tool_calls": [c.to_openai() for c in calls]}
        tools_json = self._tools_json(offered)
        row_json = self._row_json(kind, [*prompt, chosen], tools_json)
        dpo = []
        start = rng.randrange(len(REJECTION_KINDS))
        for offset in range(len(REJECTION_KINDS)):
            if len(dpo) >= self.config.dpo_per_example:
                break
            rejection = REJECTION_KINDS[(start + offset) % len(REJECTION_KINDS)]
            rejected = rejected_for_calls(rejection, calls, offered, rng)
            if rejected is not None:
                dpo.append((rejection, self._dpo_json(prompt, chosen, rejected, rejection, tools_json)))
        key = _dedup_key(query, calls)
        return Example(index, kind, ood, row_json, dpo, key, general=general is not None)

    # Rows are assembled from pre-serialized tool definitions: tools are most of each row's bytes and they repeat.
    def _tools_json(self, offered: list[ToolSpec]) -> str:
        return "[" + ",".join(self.tool_json.get(t.name) or dumps_line(t.to_openai()) for t in offered) + "]"

    @staticmethod
    def _row_json(kind: str, messages: list[dict[str, Any]], tools_json: str) -> str:
        return f'{{"kind":"{kind}","messages":{dumps_line(messages)},"tools":{tools_json}}}'

    @staticmethod
    def _dpo_json(prompt, chosen, rejected, kind: str, tools_json: str) -> str:
        return (
            f'{{"prompt":{dumps_line(prompt)},"chosen":[{dumps_line(chosen)}],"rejected":[{dumps_line(rejected)}],'
            f'"tools":{tools_json},"rejection_kind":"{kind}"}}'
        )

    def _unrelated_request(self, rng: random.Random, ood: bool) -> GeneralRequest | None:
        for _ in range(20):
            request = general_request(rng)
            if not topics.stems(request.question) & self.vocabulary[ood]:  # no tool of the file may plausibly serve it
                return request
        return None

    def _general_call(self, rng: random.Random) -> tuple[ToolSpec, ToolCall, str] | None:
        """A general-knowledge question asked with a tool that answers it: (tool, call, question)."""
        for _ in range(5):
            request = self._unrelated_request(rng, ood=False)
            answering = request.with_tool(rng) if request is not None else None
            if answering is not None:
                return *answering, request.question
        return None

    def _answered(
        self,
        index,
        ood,
        kind,
        conversation,
        offered,
        answer,
        rng,
        mistake: tuple[str, ToolCall] | None = None,
    ) -> Example:
        """A multi-turn row ending in `answer`: calls (a list) or a plain reply after a tool result (a str).
        `mistake` is the DPO rejection: its kind and the call made instead of `answer`."""
        prompt = [{"role": "system", "content": SYSTEM_PROMPT}, *conversation]
        if isinstance(answer, str):
            chosen: dict[str, Any] = {"role": "assistant", "content": answer}
            calls: list[ToolCall] = []
        else:
            calls = answer
            errors = [e for c in calls for e in validate_call(c, offered)]
            if errors:
                raise AgentftError(f"guard tools: {errors[0]} (their schemas must accept agentft's guard calls)")
            chosen = {"role": "assistant", "tool_calls": [c.to_openai() for c in calls]}
        tools_json = self._tools_json(offered)
        row_json = self._row_json(kind, [*prompt, chosen], tools_json)
        dpo = []
        if mistake is not None:
            rejection, wrong = mistake
            rejected = {"role": "assistant", "tool_calls": [wrong.to_openai()]}
            dpo.append((rejection, self._dpo_json(prompt, chosen, rejected, rejection, tools_json)))
        else:
            rejected = rejected_for_calls("wrong_tool", calls, offered, rng)
            if rejected is not None:
                dpo.append(("wrong_tool", self._dpo_json(prompt, chosen, rejected, "wrong_tool", tools_json)))
        key = _dedup_key(" ".join(str(m.get("content", "")) for m in conversation), calls)
        return Example(index, kind, ood, row_json, dpo, key)

    def _recovery(self, index, ood, rng, pool, synth: ArgumentSynthesizer) -> Example | None:
        """The request names an object by its title; the first call (weighted 0: shown, not taught) passes an id
        the tool does not know, the tool lists the ids it knows with their titles, and the answer calls again with
        the one the request named. None when no tool takes an identifier."""
        targets = [(tool, key, noun) for tool in pool for key in tool.properties if (noun := referent(tool, key))]
        if not targets:
            return None
        tool, key, noun = rng.choice(targets)
        schema = tool.properties[key]
        call = synth.call(tool)
        right = ToolCall(name=tool.name, arguments=dict(call.arguments))
        if key not in right.arguments:  # an optional id the draw left out
            right.arguments[key] = synth.value(schema, key)
        others: list[Any] = []  # an invented id, then the other ids the tool knows
        wanted = rng.randint(2, 5)
        for _ in range(12):
            value = synth.value(schema, key)
            if value != right.arguments[key] and value not in others and len(others) < wanted:
                others.append(value)
        if len(others) < 2 or validate_call(right, [tool]):
            return None
        names = synth.pools["name"] if noun.split()[-1] in PERSON_NOUNS else OBJECT_TITLES
        titles = rng.sample(list(names), len(others))
        title = titles[0]
        wrong = title if rng.random() < 0.5 else others[0]  # the name itself where an id is wanted, or an invented id
        first = ToolCall(name=tool.name, arguments={**right.arguments, key: wrong})
        if validate_call(first, [tool]):
            first.arguments[key] = wrong = others[0]
        options = [(right.arguments[key], title), *zip(others[1:], titles[1:], strict=False)]
        rng.shuffle(options)
        offered = [tool]
        if len(pool) > 1 and rng.random() < 0.5:
            offered = [tool, *self._distractors([tool], pool, rng)]
            rng.shuffle(offered)
        conversation = [
            {"role": "user", "content": referring_query(tool, right, key, title, rng)},
            {"role": "assistant", "tool_calls": [first.to_openai()], "weight": 0},
            {"role": "tool", "name": tool.name, "content": _unknown_id_error(rng, noun, wrong, options)},
        ]
        return self._answered(index, ood, "recovery", conversation, offered, [right], rng, ("wrong_value", first))

    def _distractors(self, needed: list[ToolSpec], pool: list[ToolSpec], rng: random.Random) -> list[ToolSpec]:
        """1 to max_distractors other tools, half the time the ones nearest in topic (most description stems in
        common): telling `area_of_circle` from `area_of_triangle` is what picking among tools takes, and random
        neighbours never ask it."""
        taken = {t.name for t in needed}
        # never a twin of a needed tool (`calculate_boiling_point` beside `thermo.calculate_boiling_point`): no
        # request could say which one it means
        others = [t for t in pool if t.name not in taken and not any(_twins(t, n) for n in needed)]
        k = min(len(others), rng.randint(1, self.config.max_distractors))
        if rng.random() < 0.5:
            topic = set().union(*(topics.topic(t) for t in needed))
            near = sorted(others, key=lambda t: -len(topics.topic(t) & topic))
            near = [t for t in near[: 2 * k] if topics.topic(t) & topic]
            picked = rng.sample(near, min(k, len(near)))
            rest = [t for t in others if t not in picked]
            return picked + rng.sample(rest, k - len(picked))
        return rng.sample(others, k)

    def _missing_tool(self, index, ood, rng, pool, synth) -> Example:
        """Hammer-style irrelevance: a real request for a tool, asked with that tool taken away."""
        needed = rng.choice(pool)
        words = _name_words(needed.name)
        others = [t for t in pool if t.name != needed.name and not _name_words(t.name) & words]
        if not others:
            request = self._unrelated_request(rng, ood) or general_request(rng)
            return self._irrelevance(index, ood, rng, [rng.choice(pool)], synth, request.question, request.answer)
        offered = rng.sample(others, min(len(others), rng.randint(1, self.config.max_distractors)))
        question = single_query(needed, synth.call(needed), rng)
        return self._irrelevance(index, ood, rng, offered, synth, question, no_tool_answer(needed))

    def _irrelevance(self, index, ood, rng, offered, synth, question: str, answer: str) -> Example:
        prompt = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}]
        chosen = {"role": "assistant", "content": answer}
        tools_json = self._tools_json(offered)
        row_json = self._row_json("irrelevance", [*prompt, chosen], tools_json)
        rejected = call_when_irrelevant(offered, synth.call, rng)
        dpo = [(IRRELEVANT_REJECTION, self._dpo_json(prompt, chosen, rejected, IRRELEVANT_REJECTION, tools_json))]
        return Example(index, "irrelevance", ood, row_json, dpo, _dedup_key(question, []))


def _repeated_calls(
    tool: ToolSpec, synth: ArgumentSynthesizer, rng: random.Random, count: int, limit: int
) -> list[ToolCall]:
    """`count` distinct calls of one tool. Most share all but one argument ("the weather in Paris, Rome and
    Oslo"), the rest differ throughout, as BFCL's parallel questions do. Fewer come back when the argument space
    is too small."""
    first = synth.call(tool)
    calls = [first]
    if not first.arguments:
        return calls
    keys = list(first.arguments)
    crossable = [k for k, v in first.arguments.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    if len(crossable) >= 2 and limit >= 4 and rng.random() < 0.2:
        crossed = _crossed_calls(tool, synth, rng, first, rng.sample(crossable, 2))
        if crossed:
            return crossed
    vary = [rng.choice(keys)] if rng.random() < 0.65 else keys
    seen = {_call_text(first)}
    for _ in range(min(count, limit) * 6):
        if len(calls) >= min(count, limit):
            break
        fresh = synth.call(tool)
        arguments = {**first.arguments, **{k: fresh.arguments[k] for k in vary if k in fresh.arguments}}
        candidate = ToolCall(name=tool.name, arguments=arguments)
        if validate_call(candidate, {tool.name: tool}):
            candidate = fresh
        if _call_text(candidate) not in seen:
            seen.add(_call_text(candidate))
            calls.append(candidate)
    return calls


def _crossed_calls(
    tool: ToolSpec, synth: ArgumentSynthesizer, rng: random.Random, first: ToolCall, pair: list[str]
) -> list[ToolCall]:
    """Every combination of two values of two arguments ("the population of Tokyo and Paris in 2000 and 2010" is
    four calls); [] when the arguments do not take two distinct valid values each."""
    values: dict[str, list[Any]] = {k: [first.arguments[k]] for k in pair}
    for _ in range(12):
        fresh = synth.call(tool)
        for key in pair:
            if key in fresh.arguments and len(values[key]) < 2 and fresh.arguments[key] != values[key][0]:
                values[key].append(fresh.arguments[key])
    if any(len(v) < 2 for v in values.values()):
        return []
    a, b = pair
    calls = [ToolCall(name=tool.name, arguments={**first.arguments, a: x, b: y}) for x in values[a] for y in values[b]]
    return calls if not any(validate_call(c, {tool.name: tool}) for c in calls) else []


def _call_text(call: ToolCall) -> str:
    return json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)


def _name_words(name: str) -> set[str]:
    return {w for w in re.split(r"[_.\-]|(?<=[a-z])(?=[A-Z])", name.lower()) if len(w) >= 4}


def mask_names(
    tools: list[ToolSpec], calls: list[ToolCall], rng: random.Random
) -> tuple[list[ToolSpec], list[ToolCall]]:
    """Hammer's function masking: tool and top-level parameter names replaced by meaningless ones, so the model
    must read descriptions rather than match names. Descriptions (and the request) stay as they were."""
    renamed: dict[str, tuple[str, dict[str, str]]] = {}
    masked = []
    for tool in tools:
        name = f"func_{rng.getrandbits(24):06x}"
        schema = tool.parameters
        plain = not any(k in schema for k in ("dependentRequired", "dependentSchemas", "allOf", "anyOf", "oneOf"))
        params = {p: f"arg_{i}_{rng.getrandbits(12):03x}" for i, p in enumerate(tool.properties)} if plain else {}
        if params:
            schema = {
                **schema,
                "properties": {params[p]: sub for p, sub in tool.properties.items()},
                "required": [params.get(p, p) for p in tool.required],
            }
            if "required" not in tool.parameters:
                del schema["required"]
        renamed[tool.name] = (name, params)
        masked.append(ToolSpec(name=name, description=tool.description, parameters=schema))
    out = []
    for call in calls:
        name, params = renamed[call.name]
        out.append(ToolCall(name=name, arguments={params.get(k, k): v for k, v in call.arguments.items()}))
    return masked, out


def _twins(a: ToolSpec, b: ToolSpec) -> bool:
    """Tools a request could not tell apart: the same last name segment, or nearly the same words."""
    if re.split(r"[.\-/]", a.name)[-1].lower() == re.split(r"[.\-/]", b.name)[-1].lower():
        return True
    ta, tb = topics.topic(a), topics.topic(b)
    return len(ta & tb) >= 0.8 * max(1, len(ta | tb))


def _dedup_key(query: str, calls: list[ToolCall]) -> str:
    """Normalized request + answer: the same request never appears twice, whatever tools are offered."""
    normalized = " ".join(query.lower().split())
    return normalized + "\x00" + json.dumps([[c.name, c.arguments] for c in calls], sort_keys=True, ensure_ascii=False)


_FACTORY: ExampleFactory | None = None


def _init_worker(factory: ExampleFactory) -> None:
    global _FACTORY
    _FACTORY = factory


def _work(job: tuple[int, int, bool]) -> list[Example]:
    start, stop, ood = job
    return [e for e in (_FACTORY(i, ood) for i in range(start, stop)) if e is not None]


# --- orchestration ---------------------------------------------------------------------------------------


def choose_ood_tools(tools: list[ToolSpec], fraction: float, seed: int) -> list[str]:
    if len(tools) < 3 or fraction <= 0:
        return []
    count = max(2 if len(tools) >= 6 else 1, round(len(tools) * fraction))  # 2+ lets test_ood hold `multiple`
    return sorted(random.Random(f"{seed}:ood").sample([t.name for t in tools], count))


class _Generator:
    """Produces unique examples in index order, in-process or across a fork pool."""

    CHUNK = 256

    def __init__(self, factory: ExampleFactory, workers: int):
        self.factory = factory
        self.workers = workers
        self.pool = None
        if workers > 1 and "fork" in mp.get_all_start_methods():
            self.pool = mp.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(factory,))

    def examples(self, ood: bool, limit: int) -> Iterator[Example]:
        """Examples in index order; workers stay a bounded number of chunks ahead of the deduplicating caller."""
        jobs = ((start, min(limit, start + self.CHUNK), ood) for start in range(0, limit, self.CHUNK))
        if self.pool is None:  # lazily, one index at a time: nothing is made (or paraphrased) past what is needed
            made = (self.factory(i, ood) for i in range(limit))
            yield from (e for e in made if e is not None)
            return
        window: deque = deque(self.pool.apply_async(_work, (job,)) for job in islice(jobs, 2 * self.workers))
        while window:
            chunk = window.popleft().get()
            job = next(jobs, None)
            if job is not None:
                window.append(self.pool.apply_async(_work, (job,)))
            yield from chunk

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()


def generate(
    tools: list[ToolSpec],
    config: BuildConfig,
    paraphrase: Paraphraser | None = None,
    progress: Callable[[int], None] | None = None,
    guards: list[ToolSpec] = (),
) -> tuple[dict[str, list[Example]], list[str], list[str]]:
    """Generate, dedup and split. Returns (examples per split, OOD tool names, warnings)."""
    config.validate()
    ood_names = choose_ood_tools(tools, config.ood_tools, config.seed)
    n_ood = round(config.n * config.ood_fraction) if ood_names else 0
    n_in = config.n - n_ood
    factory = ExampleFactory(tools, set(ood_names), config, paraphrase, guards)
    warnings: list[str] = []
    if config.mix.get("recovery", 0) > 0 and not factory.takes_ids:
        warnings.append("no recovery rows: no tool takes an id of something people name (e.g. document_id, a uuid)")
    workers = config.workers or min(os.cpu_count() or 1, 8)
    if config.n < 2000:
        workers = 1  # process start-up costs more than it saves on small runs
    generator = _Generator(factory, workers)
    seen: set[str] = set()
    buckets: dict[bool, list[Example]] = {False: [], True: []}
    try:
        for ood, target in ((False, n_in), (True, n_ood)):
            if target == 0:
                continue
            for example in generator.examples(ood, limit=target * 20):
                if example.key in seen:
                    continue
                seen.add(example.key)
                buckets[ood].append(example)
                if progress:
                    progress(1)
                if len(buckets[ood]) >= target:
                    break
            if len(buckets[ood]) < target:
                warnings.append(
                    f"only {len(buckets[ood])} unique {'OOD' if ood else 'in-domain'} examples could "
                    f"be made (asked for {target}): the tools' argument space is small"
                )
    finally:
        generator.close()
    in_domain = buckets[False]
    random.Random(f"{config.seed}:split").shuffle(in_domain)
    n_val = round(len(in_domain) * config.val_fraction)
    n_test = round(len(in_domain) * config.test_fraction)
    splits = {
        "val": in_domain[:n_val],
        "test": in_domain[n_val : n_val + n_test],
        "train": in_domain[n_val + n_test :],
        "test_ood": buckets[True],
    }
    for split, examples in splits.items():
        examples.sort(key=lambda e: e.index)
        for i, example in enumerate(examples):
            example.id = f"{split}_{i}"
    return splits, ood_names, warnings


def synthesizable(tools: list[ToolSpec], config: BuildConfig) -> tuple[list[ToolSpec], list[dict[str, str]]]:
    """The tools arguments can be synthesized for, and a record of each one skipped. One tool nothing satisfies
    costs that tool, not the build (`strict` makes it fail the build, as a CI check of a tools file wants)."""
    kept, skipped = [], []
    for tool in tools:
        size = len(dumps_line(tool.to_openai()))
        if size > MAX_TOOL_BYTES:  # e.g. a 100k-value enum: every row would carry it, and no prompt holds it
            reason = f"definition is {size >> 10} KB, over the {MAX_TOOL_BYTES >> 10} KB a prompt can carry"
            if config.strict:
                raise AgentftError(f"tool {tool.name!r}: {reason}")
            skipped.append({"tool": tool.name, "path": "$", "reason": reason})
            continue
        synth = ArgumentSynthesizer(random.Random(f"{config.seed}:preflight:{tool.name}"), config.optional_rate)
        try:
            for _ in range(3):
                synth.call(tool)
        except SynthesisError as err:
            if config.strict:
                raise
            skipped.append({"tool": tool.name, "path": err.path or "$", "reason": err.message})
            continue
        kept.append(tool)
    if not kept:
        first = skipped[0]
        raise AgentftError(
            f"no tool can be synthesized ({len(skipped)} skipped; {first['tool']!r} at {first['path']}: "
            f"{first['reason']})"
        )
    return kept, skipped


def build_dataset(
    tools_path: str | Path,
    out_dir: str | Path,
    config: BuildConfig,
    paraphrase: Paraphraser | None = None,
    command: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Build and write the dataset atomically; returns the manifest."""
    tools_path, out_dir = Path(tools_path), Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise AgentftError("output path exists and is not a directory", file=out_dir)
    repairs: list[Repair] | None = None if config.strict else []
    tools = load_tools(tools_path, repairs)
    guards = []
    if config.guard_tools:
        try:
            guards = guard_tools(load_tools(config.guard_tools, []))
        except AgentftError as err:
            raise err.located(file=config.guard_tools) from None
    try:
        tools, skipped = synthesizable(tools, config)
        splits, ood_names, warnings = generate(tools, config, paraphrase, progress, guards)
    except AgentftError as err:
        raise err.located(file=tools_path) from None
    with atomic_directory(out_dir) as staging:
        for split in SPLITS:
            (staging / f"{split}.jsonl").write_text("".join(e.line() for e in splits[split]), encoding="utf-8")
        dpo_examples = [e for split in ("train", "val") for e in splits[split]]
        (staging / "dpo.jsonl").write_text(
            "".join(line for e in dpo_examples for line in e.dpo_lines()), encoding="utf-8"
        )
        dpo_kinds = Counter(kind for e in dpo_examples for kind, _ in e.dpo_json)
        manifest = {
            "agentft_version": __version__,
            "command": command if command is not None else sys.argv,
            "seed": config.seed,
            "config": asdict(config),
            "input": {"path": str(tools_path), "sha256": sha256_file(tools_path), "tools": [t.name for t in tools]},
            "repairs": [r.to_json() for r in repairs or []],
            "skipped": skipped,
            "ood_tools": ood_names,
            "counts": {split: dict(sorted(Counter(e.kind for e in splits[split]).items())) for split in SPLITS},
            "totals": {split: len(splits[split]) for split in SPLITS},
            "general_call_rows": {split: sum(e.general for e in splits[split]) for split in SPLITS},
            "dpo": {"total": sum(dpo_kinds.values()), "kinds": dict(sorted(dpo_kinds.items()))},
            "warnings": warnings,
            "files": {},
        }
        for path in sorted(staging.glob("*.jsonl")):
            manifest["files"][path.name] = {"sha256": sha256_file(path), "rows": _count_lines(path)}
        write_text_atomic(staging / "README.md", dataset_card(manifest, tools, splits))
        manifest["files"]["README.md"] = {"sha256": sha256_file(staging / "README.md")}
        write_json_atomic(staging / "manifest.json", manifest)
    return manifest


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def dataset_card(manifest: dict[str, Any], tools: list[ToolSpec], splits: dict[str, list[Example]]) -> str:
    name = Path(manifest["input"]["path"]).stem
    lines = [
        f"# {name} — function-calling dataset",
        "",
        f"Synthesized by `agentft build-dataset` {manifest['agentft_version']} from `{manifest['input']['path']}` "
        f"(sha256 `{manifest['input']['sha256'][:16]}…`), seed {manifest['seed']}.",
        "Every tool call was validated against its tool's JSON Schema; "
        "every DPO `rejected` answer was verified wrong.",
        "",
        "## Splits",
        "",
        "| split | examples | " + " | ".join(KINDS) + " |",
        "|---|---|" + "---|" * len(KINDS),
    ]
    for split in SPLITS:
        counts = manifest["counts"][split]
        lines.append(
            f"| {split} | {manifest['totals'][split]} | " + " | ".join(str(counts.get(k, 0)) for k in KINDS) + " |"
        )
    lines += [
        "",
        "`test_ood` uses only tools held out of train/val/test entirely: "
        f"{', '.join(manifest['ood_tools']) or 'none'}.",
        "",
        f"DPO pairs (`dpo.jsonl`, from train and val): {manifest['dpo']['total']} — "
        + ", ".join(f"{k}: {v}" for k, v in manifest["dpo"]["kinds"].items()),
        "",
        "## Tools",
        "",
        *[f"- `{t.name}` — {t.description.splitlines()[0] if t.description else ''}" for t in tools],
        "",
        "## Format",
        "",
        "One JSON object per line in TRL's conversational format with tools: `messages` (system, user, assistant "
        "with `tool_calls` whose `arguments` are JSON objects, or a plain `content` answer for irrelevance), `tools` "
        "(OpenAI tool definitions), plus `id` and `kind`. Load with "
        '`datasets.load_dataset("json", data_files={"train": "train.jsonl", ...})`.',
        "",
    ]
    if manifest["config"]["general_calls"]:
        lines += [
            "General-knowledge questions asked with a tool that answers them (`single` / `multiple` rows calling "
            "agentft's own calculator, unit-converter and capital-lookup tools; `--general-calls`, see "
            "docs/datasets.md): "
            + ", ".join(f"{split} {n}" for split, n in manifest["general_call_rows"].items())
            + ".",
            "",
        ]
    example = next((e for e in splits["train"] if e.kind != "irrelevance"), None)
    if example:
        lines += ["Example:", "", "```json", dumps_line(json.loads(example.row_json)["messages"][1:]), "```", ""]
    if manifest["warnings"]:
        lines += ["## Warnings", "", *[f"- {w}" for w in manifest["warnings"]], ""]
    if manifest["repairs"]:
        kinds = Counter(r["kind"] for r in manifest["repairs"])
        lines += [
            "## Repairs",
            "",
            "Known slips in the tools file, rewritten as they are meant (every one is listed in `manifest.json`): "
            + ", ".join(f"{kind} × {count}" for kind, count in kinds.most_common())
            + ".",
            "",
        ]
    if manifest["skipped"]:
        lines += [
            "## Skipped tools",
            "",
            *[f"- `{t['tool']}` at `{t['path']}`: {t['reason']}" for t in manifest["skipped"]],
            "",
        ]
    lines += ["Lineage: see `manifest.json` (command, seed, input and output sha256).", ""]
    return "\n".join(lines)
