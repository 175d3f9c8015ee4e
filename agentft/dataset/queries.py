"""User queries that state every argument value of the calls they ask for.

Values are woven into sentences the way people write them ("find hotels in Lisbon from 2025-03-02, the top 5"),
with phrasings per kind of parameter (places, paths, dates, code, numbers with their units, enums, flags), not
`name=value` lists: a model trained on forms learns to call tools from forms. A teacher model can rewrite them
afterwards through the `Paraphraser` hook.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Protocol

from agentft.core.calls import ToolCall
from agentft.core.tools import ToolSpec
from agentft.dataset.values import WEAK_POOLS, concept_for, hint_for


class Paraphraser(Protocol):
    """Rewrites a query; must keep every stated argument value (the builder re-checks that they survive)."""

    def __call__(self, query: str, calls: list[ToolCall], tools: list[ToolSpec]) -> str: ...


_SENTENCE_END = re.compile(r"[.!?:;,]+$")
_UNIT = re.compile(
    r"\b(?:in|as|of) (?:the )?(?:number of )?(seconds|minutes|hours|days|weeks|months|years|meters|metres|kilometers|"
    r"kilometres|km|miles|feet|inches|cm|kg|kilograms|grams|pounds|lbs|celsius|fahrenheit|kelvin|dollars|usd|euros|"
    r"percent|bytes|megabytes|mb|gb|milliseconds|ms|units|liters|litres|mph|km/h)\b",
    re.I,
)
_NAME_UNIT = re.compile(r"_(seconds|secs|minutes|mins|hours|days|ms|km|kg|usd|percent|pct|bytes|mb|gb)$", re.I)
_UNIT_WORDS = {"secs": "seconds", "mins": "minutes", "pct": "percent", "usd": "dollars", "ms": "milliseconds"}


_PREAMBLE = re.compile(
    r"^(this (function|tool|api|endpoint|method) (is used to |will |can )?|an? (function|tool|api|method) "
    r"(that|to|which|for) |(function|tool|method|used|use this( tool)?) to |allows (you|users|the user) to )",
    re.I,
)


def _imperative(text: str) -> str:
    """'Calculates the area' -> 'calculate the area': descriptions speak of the tool, requests speak to it."""
    first, _, rest = text.partition(" ")
    lowered = first.lower()
    if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        if lowered.endswith("ies"):
            first = first[:-3] + "y"
        elif lowered.endswith(("ches", "shes", "sses", "xes", "zzes")):  # 'initializes' -> 'initialize'
            first = first[:-2]
        else:
            first = first[:-1]
    return f"{first} {rest}".strip()


def _task(tool: ToolSpec) -> str:
    """'Searches the docs. Returns ...' -> 'search the docs' (first sentence, as an imperative)."""
    text = tool.description.strip().split("\n")[0]
    text = re.split(r"(?<=[.!?])\s", text)[0]
    text = _imperative(_PREAMBLE.sub("", _SENTENCE_END.sub("", text).strip()))
    if not text:
        return humanize(tool.name.split(".")[-1])
    if len(text) > 1 and text[1].isupper():  # an acronym ("API ...") keeps its case
        return text
    return text[0].lower() + text[1:]


# Where a description's first sentence turns from what the tool does to how it is told (its inputs, its sources):
# "fetch the happiness index | for a given country based on survey data". People ask for the first part and say
# the rest with their values ("the happiness index of Norway in 2019"), so requests that always echo the whole
# description teach a model to call only when a request reads like a tool's documentation.
_QUALIFIER = re.compile(
    r",| (?:for|of|in|on|from|to|with|by|using|via|into|at|within|between|across|under) (?:an?|the|some|any|all|each|"
    r"every)? ?(?:given|specified|provided|specific|particular|certain|selected|supplied|user's|user-provided|input|"
    r"requested)\b| (?:based on|according to|that|which|who|where|when|whose|if|given|as per|so that|in order to|"
    r"depending on|along with|as well as|including|such as|using|e\.g\.|i\.e\.)\b| (?:and|or) (?:return|returns|"
    r"provide|provides|give|gives|output|outputs|save|saves|store|stores)\b",
    re.I,
)


def _short_task(tool: ToolSpec) -> str:
    """'retrieve a list of components that match the specified identity criteria' -> 'retrieve a list of
    components': the task as a person names it; the full description's task where the cut leaves under 2 words."""
    task = _task(tool)
    cut = _QUALIFIER.split(task, maxsplit=1)[0].strip()
    return cut if len(cut.split()) >= 2 else task


def _some_task(tool: ToolSpec, rng: random.Random) -> str:
    """The task as the description states it, or (more often) only its head: requests vary in how much they echo."""
    return _short_task(tool) if rng.random() < 0.6 else _task(tool)


def humanize(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").replace(".", " ").lower()


def render_value(value: Any) -> str:
    """How a value is written where it must survive verbatim (paraphrase checks, BFCL-style copying)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _join(parts: list[str], rng: random.Random | None = None) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    last = " and " if rng is None or rng.random() < 0.8 else ", and "
    return ", ".join(parts[:-1]) + last + parts[-1]


def _label(tool: ToolSpec, name: str) -> str:
    """What a person calls the parameter: its name in words, or the description's words for cryptic names."""
    words = humanize(name)
    if len(name) <= 2 or any(ch.isdigit() for ch in name):
        desc = tool.properties.get(name, {}).get("description", "")
        short = _SENTENCE_END.sub("", re.split(r"[.(,;]", desc)[0]).strip()
        if 0 < len(short) <= 40:
            short = re.sub(r"^(the|a|an) ", "", short, flags=re.I)
            return short[0].lower() + short[1:]
    return words


def _unit(tool: ToolSpec, name: str) -> str:
    match = _NAME_UNIT.search(name)
    if match:
        unit = match.group(1).lower()
        return _UNIT_WORDS.get(unit, unit)
    desc = tool.properties.get(name, {}).get("description", "")
    match = _UNIT.search(desc) if isinstance(desc, str) else None
    return match.group(1).lower() if match else ""


def _text(value: Any) -> str:
    """A value as a person writes it: strings bare, lists as 'a, b and c', objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return _join([_text(v) for v in value])
    if isinstance(value, (dict, list)) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# Phrases per kind of parameter; {v} is the value (a number with its unit), {l} the parameter in words.
_PHRASES: dict[str, list[str]] = {
    "location": ["in {v}", "for {v}", "near {v}", "around {v}"],
    "path": ["in {v}", "at {v}", "for the file {v}", "on {v}"],
    "url": ["at {v}", "from {v}", "for {v}"],
    "email": ["to {v}", "for {v}", "at {v}"],
    "person": ["for {v}", "about {v}", "named {v}", "with {l} {v}"],
    "query": ['for "{v}"', "about {v}", 'matching "{v}"', "on {v}"],
    "title": ['titled "{v}"', 'called "{v}"', 'with the {l} "{v}"'],
    "text": ['saying "{v}"', 'with the text "{v}"', 'reading "{v}"', 'with {l} "{v}"'],
    "date": ["on {v}", "for {v}", "dated {v}", "with {l} {v}"],
    "start": ["from {v}", "starting {v}", "since {v}"],
    "end": ["until {v}", "through {v}", "ending {v}"],
    "language": ["in {v}", "using {v}"],
    "year": ["in {v}", "for the year {v}", "for {v}"],
    "count": ["with the top {v}", "at most {v} of them", "limited to {v}", "with up to {v} results"],
    "timeout": ["and give it {v} seconds", "with a {v}-second timeout", "timing out after {v} seconds"],
    "number": ["with a {l} of {v}", "for a {l} of {v}", "where the {l} is {v}", "with {l} {v}"],
    "enum": ["with {l} {v}", "using {v}", "as {v}", "with {l} set to {v}"],
    "list": ["for {v}", "with {l} {v}", "covering {v}"],
    "thing": ["for {v}", "for the {l} {v}", "where the {l} is {v}", "with {v} as the {l}", "of {v}"],
    "generic": ["with {l} {v}", "using {v} as the {l}", "where the {l} is {v}", "for {l} {v}"],
    # an identifier's object named by its title ({l} is the object: "document", not "document id")
    "reference": [
        'for the {l} "{v}"',
        'for the {l} called "{v}"',
        'on the "{v}" {l}',
        'for the {l} titled "{v}"',
        "about the {v} {l}",
        "for our {v} {l}",
    ],
}
_BOOL_TRUE = ["with {l} on", "with {l} enabled", "turning {l} on", "with {l}"]
_BOOL_FALSE = ["with {l} off", "without {l}", "with {l} disabled", "turning {l} off"]
# A flag said by what it does, as people ask for it ("avoiding toll roads", "without including archived ones"): {vp}
# is the flag's verb phrase ("avoid toll roads"), {ing} the same with the verb's -ing form.
_FLAG_ON = ["{ing}", "{ing} as well", "making sure to {vp}"]
_FLAG_OFF = ["without {ing}", "not {ing}", "making sure not to {vp}"]
# A flag that states a property ("is_closed", "has_parking", "active_only"): {x} is the property.
_STATE_PHRASES = {
    "is": (["that is {x}", "making it {x}"], ["that is not {x}", "not {x}"]),
    "has": (["that has {x}", "with {x}"], ["without {x}", "that has no {x}"]),
    "can": (["that can {x}", "so that it can {x}"], ["that cannot {x}", "so that it can't {x}"]),
    "only": (["{x} only", "only the {x} ones"], ["not just {x} ones", "whether {x} or not"]),
}
_FLAG_VERBS = frozenset({
    "include", "use", "allow", "avoid", "enable", "show", "return", "fetch", "get", "send", "skip", "ignore",
    "exclude", "save", "overwrite", "notify", "sort", "apply", "force", "follow", "verify", "validate", "compress",
    "delete", "keep", "remove", "add", "hide", "display", "export", "track", "round", "normalize", "check",
    "filter", "download", "generate", "create", "print", "log", "cache", "retry", "preserve", "strip", "merge",
    "list", "load", "open", "refresh", "reset", "run", "lock", "encrypt", "archive", "transfer", "calculate",
    "convert", "detect"
})  # fmt: skip
_DOUBLED = frozenset({
    "get", "set", "run", "put", "stop", "skip", "strip", "log", "cut", "shut", "ship", "drop", "wrap", "omit",
    "submit", "transfer"
})  # fmt: skip
_WHETHER_TO = re.compile(
    r"^(?:whether(?: or not)?|option|flag|choose|set (?:this )?to true) to ([a-z][a-z0-9' -]+)", re.I
)
# "Flag to determine if ..." says nothing of what the flag does
_VAGUE_VERBS = frozenset(
    {"decide", "determine", "indicate", "specify", "control", "toggle", "choose", "denote", "signal", "set"}
)
_CLAUSE_END = re.compile(r"[.,;:(]| or not\b| if \b| when \b| default")
_ENUM_MEANINGS = {
    "asc": "ascending order (asc)",
    "desc": "descending order (desc)",
    "ascending": "ascending order",
    "descending": "descending order",
}


# How people write a quantity: "6cm", "$200,000", "4%", "213 million" (BFCL's questions do; a model that never saw
# these copies "6cm" into the JSON arguments, which then do not parse).
_COMPACT_UNITS = {
    "meters": "m", "metres": "m", "kilometers": "km", "kilometres": "km", "km": "km", "cm": "cm", "kg": "kg",
    "kilograms": "kg", "grams": "g", "seconds": "s", "milliseconds": "ms", "ms": "ms", "hours": "h", "percent": "%",
    "celsius": "°C", "fahrenheit": "°F", "kelvin": "K", "megabytes": "MB", "mb": "MB", "gb": "GB", "pounds": "lbs",
    "lbs": "lbs", "feet": "ft", "inches": "in", "mph": "mph", "km/h": "km/h", "liters": "L", "litres": "L",
}  # fmt: skip
_CURRENCY_SIGNS = {"dollars": "$", "usd": "$", "euros": "€"}


def number_forms(value: int | float) -> list[str]:
    """The ways a number is written that a reader maps back to exactly this value."""
    forms = [str(value)]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        forms.append(f"{value:,}")
        if abs(value) >= 1_000_000 and value % 100_000 == 0:
            forms.append(f"{value / 1_000_000:g} million")
    return forms


def _quantity(value: int | float, unit: str, rng: random.Random) -> str:
    forms = number_forms(value)
    number = rng.choice(forms[1:]) if forms[1:] and rng.random() < 0.6 else forms[0]
    if unit in _CURRENCY_SIGNS and value >= 0 and rng.random() < 0.5:
        return f"{_CURRENCY_SIGNS[unit]}{number}"
    if unit in _COMPACT_UNITS and "million" not in number and rng.random() < 0.4:
        return f"{number}{_COMPACT_UNITS[unit]}"
    return f"{number} {unit}" if unit else number


def _phrase_kind(tool: ToolSpec, name: str, value: Any) -> str:
    schema = tool.properties.get(name, {})
    lowered = name.lower()
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (dict, type(None))):
        return "generic"
    if "enum" in schema:
        return "enum"
    if isinstance(value, (int, float)):
        if re.search(r"timeout|seconds", lowered) and _unit(tool, name) in ("", "seconds"):
            return "timeout"
        if re.search(r"(^|_)year(_|$)", lowered) and isinstance(value, int):
            return "year"
        if re.search(r"top_?k|limit|max_?results|num_?results|count", lowered) and isinstance(value, int):
            return "count"
        return "number"
    desc = schema.get("description", "")
    pool = hint_for(name, desc if isinstance(desc, str) else "")
    if re.search(r"(^|_)(start|from|since|begin)", lowered) and pool in ("date", "date-time", "time"):
        return "start"
    if re.search(r"(^|_)(end|to|until|till)(_|$)", lowered) and pool in ("date", "date-time", "time"):
        return "end"
    if pool in WEAK_POOLS and concept_for(name, desc if isinstance(desc, str) else ""):
        return "thing"
    return {
        "city": "location",
        "location": "location",
        "country": "location",
        "state": "location",
        "address": "location",
        "path": "path",
        "url": "url",
        "domain": "url",
        "email": "email",
        "name": "person",
        "first_name": "person",
        "last_name": "person",
        "username": "person",
        "query": "query",
        "title": "title",
        "sentence": "text",
        "date": "date",
        "date-time": "date",
        "language": "language",
    }.get(pool or "", "generic")


# Parameters that take an identifier nobody types ("document_id", a uuid): a person names the object instead.
_ID_NAME = re.compile(r"^(?P<noun>.*?)(?:(?:^|[_-])(?:id|uuid|ID|UUID)|(?<=[a-z])(?:Id|ID|Uuid))$")


def referent(tool: ToolSpec, name: str) -> str | None:
    """The object an identifier parameter stands for ('document_id' -> 'document', a bare 'id' of `get_order` ->
    'order'); None for a parameter that is not an identifier."""
    schema = tool.properties.get(name, {})
    if not isinstance(schema, dict) or "enum" in schema or "const" in schema:
        return None
    branches = schema.get("oneOf") or schema.get("anyOf") or [schema]
    if not any(b.get("type") == "string" for b in branches):
        return None
    match = _ID_NAME.match(name)
    if match is None and not any(b.get("format") == "uuid" for b in branches):
        return None
    noun = humanize(match.group("noun")) if match else humanize(name)
    return noun or humanize(tool.name.split(".")[-1]).split()[-1]


def _gerund(verb: str) -> str:
    if verb in _DOUBLED:
        return verb + verb[-1] + "ing"
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def flag_phrases(tool: ToolSpec, name: str, value: bool) -> list[str]:
    """How people ask for a boolean flag by what it does: from a description that says "Whether to avoid toll
    roads", or a name that reads as a verb phrase (`include_archived`) or a property (`is_closed`, `active_only`).
    Empty where neither says it, and the flag is named as a setting instead ("with dry run on")."""
    desc = tool.properties.get(name, {}).get("description", "")
    match = _WHETHER_TO.match(desc.strip()) if isinstance(desc, str) else None
    words_vp = _CLAUSE_END.split(match.group(1))[0].split() if match else []
    if not 1 <= len(words_vp) <= 7 or words_vp[0].lower() in _VAGUE_VERBS:
        words_vp = humanize(name).split()
        if not words_vp or words_vp[0] not in _FLAG_VERBS:
            return _property_phrases(words_vp, value)
    verb = 1 if len(words_vp) > 1 and words_vp[0].endswith("ly") else 0  # "recursively list ..."
    vp = " ".join(words_vp)
    ing = " ".join([*words_vp[:verb], _gerund(words_vp[verb]), *words_vp[verb + 1 :]])
    return [p.format(vp=vp, ing=ing) for p in (_FLAG_ON if value else _FLAG_OFF)]


def _property_phrases(words: list[str], value: bool) -> list[str]:
    """A flag named for a property ("is closed", "active only"); empty for any other name."""
    if len(words) < 2 or words == ["read", "only"]:
        return []
    if words[0] in _STATE_PHRASES:
        state, x = words[0], words[1:]
    elif words[-1] == "only":
        state, x = "only", words[:-1]
    else:
        return []
    return [p.format(x=" ".join(x)) for p in _STATE_PHRASES[state][0 if value else 1]]


def _phrases(kind: str, name: str, label: str, value: Any) -> list[str]:
    """The kind's phrasings, plus the ways people name a unit or a method ("in celsius", "using the simpson
    method") where the parameter is one, enum or free string."""
    phrases = list(_PHRASES[kind])
    if kind not in ("enum", "thing", "generic") or not isinstance(value, str):
        return phrases
    if re.search(r"(unit|units|scale|format|currency|system)$", name.lower()):
        phrases += ["in {v}", "in {v}"]
    last = label.split()[-1] if label else ""
    if last in ("method", "model", "algorithm", "mode", "strategy", "engine"):
        phrases.append("using the {v} " + last)
    return phrases


def _arg_phrase(tool: ToolSpec, name: str, value: Any, rng: random.Random, kind: str | None = None) -> str:
    kind = kind or _phrase_kind(tool, name, value)
    label = (referent(tool, name) if kind == "reference" else None) or _label(tool, name)
    if kind == "bool":
        meant = flag_phrases(tool, name, value)
        if meant and rng.random() < 0.7:
            return rng.choice(meant)
        return rng.choice(_BOOL_TRUE if value else _BOOL_FALSE).format(l=label)
    text = _text(value)
    if kind == "enum" and isinstance(value, str) and value.lower() in _ENUM_MEANINGS and rng.random() < 0.5:
        return f"in {_ENUM_MEANINGS[value.lower()]}"
    if kind == "number":
        text = _quantity(value, _unit(tool, name), rng)
    return rng.choice(_phrases(kind, name, label, value)).format(v=text, l=label)


def _is_code(tool: ToolSpec, name: str, value: Any) -> bool:
    desc = tool.properties.get(name, {}).get("description", "")
    return isinstance(value, str) and hint_for(name, desc if isinstance(desc, str) else "") in (
        "code",
        "command",
        "sql",
    )


_LEADS = [
    "{Task}",
    "Please {task}",
    "Can you {task}",
    "Could you {task}",
    "I need to {task}",
    "I'd like to {task}",
    "Help me {task}",
    "I want to {task}",
    "How would I {task}",
    "Is there a way to {task}",
    "I'm trying to {task}",
]
_QUESTION_LEADS = ("Can you", "Could you", "How would", "Is there")
# What people say around a request that no parameter carries: with these on calls and irrelevance rows alike, a
# request's extra words stop being a sign that no tool fits (trained without them, a model refuses BFCL's wordier
# questions: "Find me the closest nature park that allows camping and has scenic views in Boston, MA.").
_OPENERS = [
    "Quick question. ",
    "Hi! ",
    "This is for a report I'm writing. ",
    "I'm helping a friend with this. ",
    "For a school project: ",
    "My manager asked me about this. ",
]
_CLOSERS = [" Thanks!", " Thank you.", " Thanks in advance.", " I'd appreciate it."]


def _framed(query: str, rng: random.Random, calls: list[ToolCall], tools: list[ToolSpec]) -> str:
    """Sometimes an opener and a closer around the request; no closer after code (it would read as more code)."""
    if rng.random() < 0.2:
        query = rng.choice(_OPENERS) + query
    by_name = {t.name: t for t in tools}
    coded = any(_is_code(by_name[c.name], k, v) for c in calls if c.name in by_name for k, v in c.arguments.items())
    if rng.random() < 0.15 and not coded:
        query += rng.choice(_CLOSERS)
    return query


def _end(sentence: str) -> str:
    return sentence + ("?" if sentence.startswith(_QUESTION_LEADS) else ".")


def _lead(tool: ToolSpec, rng: random.Random, task: str | None = None) -> str:
    task = task or _some_task(tool, rng)
    return rng.choice(_LEADS).format(task=task, Task=task[0].upper() + task[1:])


def _request(
    tool: ToolSpec, call: ToolCall, rng: random.Random, lead: str | None = None, kinds: dict[str, str] | None = None
) -> str:
    """One natural request stating every argument: values woven into the sentence, code after a colon. `kinds`
    overrides how a parameter is phrased."""
    task = _some_task(tool, rng)
    lead = lead or _lead(tool, rng, task)
    kinds = kinds or {}
    code = {k: v for k, v in call.arguments.items() if k not in kinds and _is_code(tool, k, v)}
    phrases = [_arg_phrase(tool, k, v, rng, kinds.get(k)) for k, v in call.arguments.items() if k not in code]
    rng.shuffle(phrases)
    style = rng.randrange(3)
    if not phrases:
        sentence = _end(lead)
    elif style == 0:
        sentence = _end(f"{lead} {_join(phrases, rng)}")
    elif style == 1:
        sentence = _end(f"{lead}, {_join(phrases, rng)}")
    else:  # the first detail up front: "In Lisbon, find hotels from 2025-03-02."
        sentence = f"{_capital(phrases[0])}, {task}" + (f" {_join(phrases[1:], rng)}." if phrases[1:] else ".")
    for key, value in code.items():
        label = _label(tool, key)
        sentence = sentence[:-1] + rng.choice([f" with this {label}:\n{value}", f":\n```\n{value}\n```", f": {value}"])
    return sentence


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def single_query(tool: ToolSpec, call: ToolCall, rng: random.Random) -> str:
    return _framed(_request(tool, call, rng), rng, [call], [tool])


def referring_query(tool: ToolSpec, call: ToolCall, key: str, title: str, rng: random.Random) -> str:
    """A request that names the object `key` identifies by its title: people know "the Q3 budget review", not
    its id, so an agent has to look the id up (or be told it by the tool it called with a wrong one)."""
    named = ToolCall(name=call.name, arguments={**call.arguments, key: title})
    return _framed(_request(tool, named, rng, kinds={key: "reference"}), rng, [named], [tool])


def repeated_query(tool: ToolSpec, calls: list[ToolCall], rng: random.Random) -> str:
    """BFCL's *parallel*: one function, several argument sets, asked for in one breath."""
    return _framed(_repeated(tool, calls, rng), rng, calls, [tool])


def _repeated(tool: ToolSpec, calls: list[ToolCall], rng: random.Random) -> str:
    keys = list(dict.fromkeys(k for c in calls for k in c.arguments))
    varying = [k for k in keys if len({render_value(c.arguments.get(k)) for c in calls}) > 1]
    shared = {k: calls[0].arguments[k] for k in keys if k not in varying and k in calls[0].arguments}
    coded = any(_is_code(tool, k, v) for c in calls for k, v in c.arguments.items())
    lead = _lead(tool, rng)
    scalar = all(not isinstance(c.arguments.get(k), (list, dict)) for c in calls for k in varying)
    shared_text = _join([_arg_phrase(tool, k, v, rng) for k, v in shared.items()], rng)
    if len(varying) == 1 and all(varying[0] in c.arguments for c in calls) and scalar and not coded:
        key = varying[0]
        values = [_text(c.arguments[key]) for c in calls]
        label = _label(tool, key)
        kind = _phrase_kind(tool, key, calls[0].arguments[key])
        natural = ("location", "path", "person", "query", "date", "year", "url", "email", "thing", "number")
        if kind in natural and rng.random() < 0.6:  # "in Boston and Seattle", "with a radius of 5, 10 and 15 cm"
            each = _listed(tool, key, [c.arguments[key] for c in calls], rng)
        else:
            if kind == "number":
                values = [_quantity(c.arguments[key], _unit(tool, key), rng) for c in calls]
            each = rng.choice(
                [
                    f"for each {label}: {_join(values, rng)}",
                    f"with {label} {_join(values, rng)}",
                    f"once for every {label} in {_join(values, rng)}",
                    f"for {label}s {_join(values, rng)}",
                ]
            )
        body = f"{lead} {each}" + (f", {shared_text}" if shared_text else "")
        return _end(body)
    if len(varying) == 2 and len(calls) == 4 and scalar and not coded and _crossed(calls, varying):
        # every combination: "the population of Tokyo and Paris in 2000 and 2010"
        each = [_listed(tool, k, list(dict.fromkeys(c.arguments[k] for c in calls)), rng) for k in varying]
        return _end(f"{lead} {' '.join(each)}" + (f", {shared_text}" if shared_text else ""))
    style = rng.random() if varying and not coded else 1.0
    complete = all(k in c.arguments for c in calls for k in varying)
    if style < 0.25 and len(varying) >= 2 and complete and scalar:
        # side by side: "for Taylor Swift and Maroon 5, for 20 and 15 minutes respectively"
        each = [_listed(tool, k, [c.arguments[k] for c in calls], rng) for k in varying]
        return _end(f"{lead} {_join(each)} respectively" + (f", {shared_text}" if shared_text else ""))
    if style < 0.5 and complete:  # the first in full, then what changes: "..., then again with a time of 10 s"
        first = _request(tool, calls[0], rng, lead)[:-1]
        again = rng.choice(["then again {}", "then repeat it {}", "and the same {}", "and also {}"])
        rest = [again.format(_join([_arg_phrase(tool, k, c.arguments[k], rng) for k in varying])) for c in calls[1:]]
        return f"{first}, " + ", ".join(rest) + "."
    if style < 0.75:  # "for Apple in 2019 and for Google in 2020", shared once
        per_call = [
            _join([_arg_phrase(tool, k, c.arguments[k], rng) for k in varying if k in c.arguments]) for c in calls
        ]
        body = f"{lead} {_join(per_call, rng)}" + (f", {shared_text}" if shared_text else "")
        return _end(body)
    ordinals = ["first", "second", "third", "fourth"]
    parts = []
    for i, call in enumerate(calls):
        phrases = [_arg_phrase(tool, k, v, rng) for k, v in call.arguments.items()]
        if rng.random() < 0.5:
            parts.append(f"{ordinals[i]} {_join(phrases, rng)}" if phrases else ordinals[i])
        else:
            parts.append(f"once {_join(phrases, rng)}" if phrases else "once")
    times = {2: "twice", 3: "three times", 4: "four times"}[len(calls)]
    joiner = rng.choice(["; ", ", then ", ", and "])
    return _end(f"{lead} {times}: " + joiner.join(parts))


def _crossed(calls: list[ToolCall], keys: list[str]) -> bool:
    """Whether the calls are every combination of the values of `keys` (2 x 2)."""
    a, b = keys
    pairs = {(render_value(c.arguments.get(a)), render_value(c.arguments.get(b))) for c in calls}
    return len(pairs) == 4 and len({p[0] for p in pairs}) == 2 and len({p[1] for p in pairs}) == 2


def _listed(tool: ToolSpec, key: str, values: list[Any], rng: random.Random) -> str:
    """One parameter's several values in one phrase: "in Boston and Seattle", "with a radius of 5 and 10 cm"."""
    kind = _phrase_kind(tool, key, values[0])
    label = _label(tool, key)
    if kind == "number":
        unit = _unit(tool, key)
        text = _join([_quantity(v, "", rng) for v in values], rng) + (f" {unit}" if unit else "")
        return rng.choice(_PHRASES[kind]).format(v=text, l=label)
    if kind in _PHRASES and kind not in ("enum", "generic", "list", "count", "timeout"):
        return rng.choice(_PHRASES[kind]).format(v=_join([_text(v) for v in values], rng), l=label)
    return rng.choice(["for {l} {v}", "with {l} {v}", "for each {l} in {v}"]).format(
        v=_join([_text(v) for v in values], rng), l=label
    )


def multi_query(pairs: list[tuple[ToolSpec, list[ToolCall]]], rng: random.Random) -> str:
    """BFCL's *parallel_multiple*: several functions (each maybe more than once) in one request."""
    parts = [_request(t, cs[0], rng) if len(cs) == 1 else _repeated(t, cs, rng) for t, cs in pairs]
    text = rng.choice(["", "A few things. ", "Two things: " if len(parts) == 2 else "Several things: "]) + parts[0]
    for part in parts[1:]:
        joiner = rng.choice([" Also, ", " Then ", " And ", " After that, ", " On top of that, "])
        text += joiner + (part if part.startswith(("I ", "I'")) else part[0].lower() + part[1:])
    if text.startswith(("A few", "Two", "Several")):
        return text
    return _framed(text, rng, [c for _, cs in pairs for c in cs], [t for t, _ in pairs])


def no_tool_answer(tool: ToolSpec) -> str:
    """The plain answer to a request whose tool is not offered (Hammer-style irrelevance)."""
    return f"None of the tools I have can {_task(tool)}, so I can't do that here."


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
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield [form.lower() for form in number_forms(value)]
        else:
            yield [render_value(value).strip('"').lower()]

    return all(
        any(form in lowered for form in forms)
        for call in calls
        for v in call.arguments.values()
        for forms in scalars(v)
    )
