"""User queries that state every argument value of the calls they ask for.

Phrasing comes from several templates driven by the tool and parameter descriptions. A teacher model can
rewrite them afterwards through the `Paraphraser` hook (implemented by the training issue's distillation).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Protocol

from agentft.calls import ToolCall
from agentft.tools import ToolSpec


class Paraphraser(Protocol):
    """Rewrites a query; must keep every stated argument value (the builder re-checks that they survive)."""

    def __call__(self, query: str, calls: list[ToolCall], tools: list[ToolSpec]) -> str: ...


_SENTENCE_END = re.compile(r"[.!?]+$")


def _task(tool: ToolSpec) -> str:
    """'Search the docs. Returns ...' -> 'search the docs' (first sentence, lower-cased lead)."""
    text = tool.description.strip().split("\n")[0]
    text = re.split(r"(?<=[.!?])\s", text)[0]
    text = _SENTENCE_END.sub("", text).strip()
    if not text:
        return f"run {tool.name}"
    return text[0].lower() + text[1:]


def _humanize(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").lower()


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _param_label(tool: ToolSpec, name: str, rng: random.Random) -> str:
    desc = tool.properties.get(name, {}).get("description", "")
    short = _SENTENCE_END.sub("", desc.split(".")[0]).strip()
    if short and len(short) <= 48 and rng.random() < 0.5:
        return short[0].lower() + short[1:]
    return _humanize(name)


def _arg_phrases(tool: ToolSpec, call: ToolCall, rng: random.Random) -> list[str]:
    style = rng.randrange(3)
    phrases = []
    for name, value in call.arguments.items():
        shown = render_value(value)
        if style == 0:
            phrases.append(f"{_param_label(tool, name, rng)} {shown}")
        elif style == 1:
            phrases.append(f"{name}={shown}")
        else:
            phrases.append(f"{_param_label(tool, name, rng)} set to {shown}")
    return phrases


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


_SINGLE = [
    "Please {task} with {args}.",
    "Can you {task}? Use {args}.",
    "I need to {task}: {args}.",
    "{Task} for me, with {args}.",
    "Could you {task} using {args}?",
    "Go ahead and {task} ({args}).",
]
_SINGLE_NO_ARGS = ["Please {task}.", "Can you {task}?", "I need you to {task}.", "{Task}, please."]
_PARALLEL_LEAD = ["Do these in one go: ", "I need several things. ", "Please handle all of this: ", ""]
_PARALLEL_JOIN = [" Also, ", " Then ", " And ", " In addition, "]


def _sentence(template: str, tool: ToolSpec, call: ToolCall, rng: random.Random) -> str:
    task = _task(tool)
    return template.format(task=task, Task=task[0].upper() + task[1:], args=_join(_arg_phrases(tool, call, rng)))


def single_query(tool: ToolSpec, call: ToolCall, rng: random.Random) -> str:
    templates = _SINGLE if call.arguments else _SINGLE_NO_ARGS
    return _sentence(rng.choice(templates), tool, call, rng)


def parallel_query(pairs: list[tuple[ToolSpec, ToolCall]], rng: random.Random) -> str:
    parts = [_sentence(rng.choice(_SINGLE if c.arguments else _SINGLE_NO_ARGS), t, c, rng) for t, c in pairs]
    text = rng.choice(_PARALLEL_LEAD) + parts[0]
    for part in parts[1:]:
        joiner = rng.choice(_PARALLEL_JOIN)
        text += joiner + part[0].lower() + part[1:]
    return text


def states_all_values(query: str, calls: list[ToolCall]) -> bool:
    """Whether every scalar argument value appears in the query (guards paraphrases against dropping them)."""
    lowered = query.lower()

    def scalars(value: Any):
        if isinstance(value, dict):
            for v in value.values():
                yield from scalars(v)
        elif isinstance(value, list):
            for v in value:
                yield from scalars(v)
        else:
            yield render_value(value).strip('"').lower()

    return all(s in lowered for call in calls for v in call.arguments.values() for s in scalars(v))


# Requests no tool should answer, with a plain answer the assistant gives instead (irrelevance examples).
IRRELEVANT = [
    ("What is the capital of Australia?", "The capital of Australia is Canberra."),
    ("How many days are there in a leap year?", "A leap year has 366 days."),
    ("Who wrote 'Pride and Prejudice'?", "'Pride and Prejudice' was written by Jane Austen."),
    ("What's the boiling point of water at sea level in Celsius?", "Water boils at 100 °C at sea level."),
    ("Tell me a fun fact about octopuses.", "Octopuses have three hearts and blue, copper-based blood."),
    ("What does the acronym 'HTTP' stand for?", "HTTP stands for HyperText Transfer Protocol."),
    ("Give me a synonym for 'happy'.", "A synonym for 'happy' is 'cheerful'."),
    ("How many continents are there?", "There are seven continents."),
    ("What is 12 multiplied by 12?", "12 multiplied by 12 is 144."),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet."),
    ("Thanks, that's all for now!", "You're welcome! Let me know if you need anything else."),
    ("Hi there, how are you today?", "Hello! I'm doing well, thanks for asking. How can I help?"),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    (
        "Explain in one sentence what photosynthesis is.",
        "Photosynthesis is how plants turn light, water and carbon dioxide into sugar and oxygen.",
    ),
    ("How many minutes are in three hours?", "Three hours is 180 minutes."),
    ("Who painted the Mona Lisa?", "The Mona Lisa was painted by Leonardo da Vinci."),
    ("What's the largest ocean on Earth?", "The Pacific Ocean is the largest ocean on Earth."),
    ("Can you recommend a good name for a pet goldfish?", "How about 'Bubbles'? It's a classic."),
    ("What is the square root of 81?", "The square root of 81 is 9."),
    ("In which year did the first human land on the Moon?", "Humans first landed on the Moon in 1969."),
    ("What language is spoken in Brazil?", "The official language of Brazil is Portuguese."),
    (
        "Write a haiku about autumn.",
        "Crisp leaves drift and fall / amber light on quiet paths / the year exhales slow.",
    ),
    ("How do you say 'thank you' in Japanese?", "'Thank you' in Japanese is 'arigatou' (ありがとう)."),
    ("What is the freezing point of water in Fahrenheit?", "Water freezes at 32 °F."),
]


_CAPITALS = [
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Canada", "Ottawa"),
    ("Kenya", "Nairobi"),
    ("Peru", "Lima"),
    ("Norway", "Oslo"),
    ("Egypt", "Cairo"),
    ("Vietnam", "Hanoi"),
    ("Chile", "Santiago"),
    ("Poland", "Warsaw"),
    ("Portugal", "Lisbon"),
    ("Thailand", "Bangkok"),
    ("Ireland", "Dublin"),
    ("Morocco", "Rabat"),
    ("Argentina", "Buenos Aires"),
    ("Finland", "Helsinki"),
    ("Ghana", "Accra"),
    ("Greece", "Athens"),
    ("Hungary", "Budapest"),
    ("Mexico", "Mexico City"),
    ("Sweden", "Stockholm"),
    ("Turkey", "Ankara"),
]
_UNITS = [
    ("hours", "minutes", 60),
    ("minutes", "seconds", 60),
    ("days", "hours", 24),
    ("kilometres", "metres", 1000),
    ("kilograms", "grams", 1000),
    ("weeks", "days", 7),
    ("litres", "millilitres", 1000),
]


def irrelevant_request(rng: random.Random) -> tuple[str, str]:
    """A general-knowledge request with its correct plain answer: drawn from templates or the fixed bank."""
    kind = rng.randrange(4)
    if kind == 0:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        op, word, result = rng.choice([("+", "plus", a + b), ("-", "minus", a - b), ("*", "times", a * b)])
        return f"What is {a} {word} {b}?", f"{a} {op} {b} = {result}."
    if kind == 1:
        big, small, factor = rng.choice(_UNITS)
        amount = rng.randint(2, 48)
        return f"How many {small} are in {amount} {big}?", f"{amount} {big} is {amount * factor} {small}."
    if kind == 2:
        country, capital = rng.choice(_CAPITALS)
        return f"What is the capital of {country}?", f"The capital of {country} is {capital}."
    return rng.choice(IRRELEVANT)
