"""General-knowledge requests for irrelevance examples, and the tools that would answer them.

An assistant answers "what is 12 times 7?" in prose when no offered tool serves it, and calls a calculator when one
is offered. Trained only on the first half, a model learns that arithmetic, unit and capital questions are answered
from memory whatever the tools say, and then answers BFCL's `calculate_*` questions in prose. So each templated
request carries the tools and calls that answer it, and `--general-calls` asks that share of single / multiple rows
with such a tool offered. Off by default: measured at 0.15, BFCL accuracy rose by 10-14 points and the adapter
stopped answering BFCL in prose, but it also began calling unrelated tools on irrelevant requests (93% -> 26%).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from agentft.core.calls import ToolCall
from agentft.core.tools import ToolSpec


@dataclass(frozen=True)
class GeneralRequest:
    question: str
    answer: str  # the plain answer when no offered tool serves the question
    answers: tuple[tuple[ToolSpec, ToolCall], ...] = ()  # tools that would answer it, each with its call

    def with_tool(self, rng: random.Random) -> tuple[ToolSpec, ToolCall] | None:
        """One answering tool and its call, or None for a question only memory answers."""
        return rng.choice(self.answers) if self.answers else None


# Questions no tool answers here, with the plain answer the assistant gives instead.
FACTS = [
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


def _number(description: str) -> dict:
    return {"type": "number", "description": description}


def _text(description: str) -> dict:
    return {"type": "string", "description": description}


def _tool(name: str, description: str, properties: dict, enum: dict[str, list[str]] | None = None) -> ToolSpec:
    for key, values in (enum or {}).items():
        properties[key] = {**properties[key], "enum": values}
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return ToolSpec(name=name, description=description, parameters=schema)


# Two spellings of each tool (names and parameters differ), so no one name is learnt as "the calculator".
_ARITHMETIC = (
    _tool(
        "basic_arithmetic",
        "Performs one arithmetic operation on two numbers.",
        {"a": _number("The first operand."), "b": _number("The second operand."), "operation": _text("Operation.")},
        {"operation": ["add", "subtract", "multiply"]},
    ),
    _tool(
        "calculator.compute",
        "Computes the result of applying an operator to two numbers.",
        {"x": _number("Left-hand number."), "y": _number("Right-hand number."), "operator": _text("Operator.")},
        {"operator": ["+", "-", "*"]},
    ),
)
_CONVERTERS = (
    _tool(
        "convert_measurement",
        "Converts a quantity from one unit of measurement to another.",
        {"value": _number("The quantity."), "from_unit": _text("Its unit."), "to_unit": _text("The unit wanted.")},
    ),
    _tool(
        "units.convert_quantity",
        "Expresses an amount given in one unit in another unit.",
        {"amount": _number("Amount."), "source_unit": _text("Unit of the amount."), "target_unit": _text("Target.")},
    ),
)
_CAPITAL_LOOKUPS = (
    _tool("lookup_capital_city", "Returns the capital city of a country.", {"country": _text("Country name.")}),
    _tool(
        "geography.country_facts",
        "Looks up a fact about a country: its capital, currency or population.",
        {"country": _text("The country."), "fact": _text("Which fact.")},
        {"fact": ["capital", "currency", "population"]},
    ),
)
_OPERATIONS = [("plus", "+", "add"), ("minus", "-", "subtract"), ("times", "*", "multiply")]


def _answers(tools: tuple[ToolSpec, ...], *arguments: dict) -> tuple[tuple[ToolSpec, ToolCall], ...]:
    """Each spelling of a tool with its call: `arguments` in the same order as `tools`."""
    return tuple((t, ToolCall(name=t.name, arguments=a)) for t, a in zip(tools, arguments, strict=True))


def general_request(rng: random.Random) -> GeneralRequest:
    """A general-knowledge request with its correct plain answer: drawn from templates or the fixed bank."""
    kind = rng.randrange(4)
    if kind == 0:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        word, op, operation = rng.choice(_OPERATIONS)
        result = {"+": a + b, "-": a - b, "*": a * b}[op]
        return GeneralRequest(
            f"What is {a} {word} {b}?",
            f"{a} {op} {b} = {result}.",
            _answers(_ARITHMETIC, {"a": a, "b": b, "operation": operation}, {"x": a, "y": b, "operator": op}),
        )
    if kind == 1:
        big, small, factor = rng.choice(_UNITS)
        amount = rng.randint(2, 48)
        return GeneralRequest(
            f"How many {small} are in {amount} {big}?",
            f"{amount} {big} is {amount * factor} {small}.",
            _answers(
                _CONVERTERS,
                {"value": amount, "from_unit": big, "to_unit": small},
                {"amount": amount, "source_unit": big, "target_unit": small},
            ),
        )
    if kind == 2:
        country, capital = rng.choice(_CAPITALS)
        return GeneralRequest(
            f"What is the capital of {country}?",
            f"The capital of {country} is {capital}.",
            _answers(_CAPITAL_LOOKUPS, {"country": country}, {"country": country, "fact": "capital"}),
        )
    return GeneralRequest(*rng.choice(FACTS))


GENERAL_TOOLS = (*_ARITHMETIC, *_CONVERTERS, *_CAPITAL_LOOKUPS)
