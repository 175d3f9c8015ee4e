"""Realistic value pools, drawn once from Faker with a fixed seed.

Seeding Faker per value costs ~50 µs; drawing from pre-built pools with the example's own `random.Random`
keeps synthesis deterministic per example and fast enough for thousands of verified examples a second.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from itertools import chain
from typing import Any

try:
    from re import _parser as sre_parse  # Python >= 3.11
except ImportError:  # pragma: no cover
    import sre_parse

import rstr
from faker import Faker

POOL_SIZE = 64


@lru_cache(maxsize=1024)
def _parsed(pattern: str):
    return sre_parse.parse(pattern)


class Regex(rstr.Rstr):
    """rstr's regex generator with the parse cached per pattern, short repeats (realistic strings) and character
    classes expanded once and sorted (so negated classes don't depend on the hash seed)."""

    _classes: dict[int, tuple[Any, list[str]]] = {}

    def xeger(self, pattern: str) -> str:
        result = self._build_string(_parsed(pattern))
        self._cache.clear()
        return result

    def _handle_repeat(self, start_range, end_range, value):
        end_range = max(start_range, min(end_range, start_range + 8))
        times = self._random.randint(start_range, end_range)
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))

    def _handle_in(self, value):
        cached = Regex._classes.get(id(value))
        if cached is None or cached[0] is not value:
            candidates = list(chain(*(self._handle_state(i) for i in value)))
            if candidates and candidates[0] is False:
                candidates = sorted(set(string.printable).difference(candidates[1:]) - set("\t\n\r\x0b\x0c"))
            cached = Regex._classes[id(value)] = (value, candidates)  # keeps `value` alive, so the id stays valid
        return self._random.choice(cached[1])


_CODE_WORDS = [
    "utils",
    "main",
    "config",
    "parser",
    "client",
    "server",
    "models",
    "handlers",
    "auth",
    "cache",
    "router",
    "schema",
    "metrics",
    "loader",
    "worker",
    "api",
    "db",
    "cli",
    "views",
    "helpers",
]
_EXTS = ["py", "ts", "js", "go", "rs", "md", "json", "yaml", "toml", "txt"]
_DIRS = ["src", "lib", "tests", "app", "pkg", "scripts", "docs", "internal"]
# Fixed, not relative to today: Faker's "-3y"/"+1y" ranges made the same build differ from one day to the next.
_DATES_FROM, _DATES_TO = date(2023, 1, 1), date(2026, 12, 31)
PROGRAMMING_LANGUAGES = ["python", "javascript", "typescript", "go", "rust", "java", "bash", "sql"]


@lru_cache(maxsize=1)
def pools() -> dict[str, list[str]]:
    fake = Faker("en_US")
    fake.seed_instance(20240917)
    rng = random.Random(20240917)

    def draw(fn: Callable[[], str]) -> list[str]:
        return list(dict.fromkeys(fn() for _ in range(POOL_SIZE)))

    def code_path() -> str:
        return f"{rng.choice(_DIRS)}/{rng.choice(_CODE_WORDS)}.{rng.choice(_EXTS)}"

    return {
        "city": draw(fake.city),
        "country": draw(fake.country),
        "state": draw(fake.state),
        "address": draw(fake.street_address),
        "postcode": draw(fake.postcode),
        "name": draw(fake.name),
        "first_name": draw(fake.first_name),
        "last_name": draw(fake.last_name),
        "username": draw(fake.user_name),
        "email": draw(fake.email),
        "phone": draw(fake.phone_number),
        "company": draw(fake.company),
        "job": draw(fake.job),
        "url": draw(lambda: fake.url() + rng.choice(["", "docs", "api/v1/items", "blog/post"])),
        "domain": draw(fake.domain_name),
        "path": draw(code_path),
        "query": draw(lambda: " ".join(fake.words(rng.randint(2, 4)))),
        "title": draw(lambda: fake.sentence(nb_words=4).rstrip(".")),
        "sentence": draw(fake.sentence),
        "paragraph": draw(lambda: fake.paragraph(nb_sentences=2)),
        "word": draw(fake.word),
        "color": draw(fake.color_name),
        "currency": draw(fake.currency_code),
        "timezone": draw(fake.timezone),
        "language": draw(fake.language_name),
        "date": draw(lambda: fake.date_between(_DATES_FROM, _DATES_TO).isoformat()),
        "time": draw(lambda: fake.time(pattern="%H:%M:%S")),
        "date-time": draw(lambda: fake.date_time_between(_DATES_FROM, _DATES_TO).strftime("%Y-%m-%dT%H:%M:%SZ")),
        "ipv4": draw(fake.ipv4),
        "ipv6": draw(fake.ipv6),
        "tag": draw(lambda: fake.word().lower()),
        "function": draw(lambda: f"{fake.word()}_{rng.choice(_CODE_WORDS)}"),
        "branch": draw(lambda: rng.choice(["main", "develop", "feature/", "fix/"]) + fake.word()),
        "code": list(CODE_SNIPPETS),
        "command": list(SHELL_COMMANDS),
        "sql": list(SQL_QUERIES),
    }


# Real code for parameters that take code: a `code` argument of "least" teaches nothing about code tools.
CODE_SNIPPETS = (
    "print(sum(range(10)))",
    "print('hello, world')",
    "import math; print(math.sqrt(2))",
    "print(sorted([3, 1, 2]))",
    "print(len('agentft'))",
    "x = [i * i for i in range(5)]; print(x)",
    "print(2 ** 16)",
    "import json; print(json.dumps({'a': 1}))",
    "print(max([4, 9, 2]))",
    "print('abc'.upper())",
    "from datetime import date; print(date.today())",
    "print(round(3.14159, 2))",
    "print(list(reversed('stressed')))",
    "print({k: len(k) for k in ['ab', 'cde']})",
    "import statistics; print(statistics.mean([1, 2, 3, 4]))",
    "print(' '.join(['a', 'b', 'c']))",
    "def f(n): return n * 2\nprint(f(21))",
    "for i in range(3):\n    print(i)",
    "import re; print(re.findall(r'\\d+', 'a1b22c333'))",
    "print(sum(x for x in range(100) if x % 3 == 0))",
)
SHELL_COMMANDS = (
    "ls -la",
    "git status",
    "df -h",
    "pytest -q",
    "cat README.md",
    "grep -rn TODO src",
    "du -sh .",
    "python --version",
    "git log --oneline -5",
    "wc -l *.py",
)
SQL_QUERIES = (
    "SELECT * FROM users LIMIT 10",
    "SELECT count(*) FROM orders WHERE status = 'shipped'",
    "SELECT name, email FROM customers ORDER BY name",
    "SELECT avg(price) FROM products",
    "SELECT id FROM invoices WHERE total > 100",
)


def _hints(pairs: list[tuple[str, Any]]) -> list[tuple[re.Pattern[str], Any]]:
    return [(re.compile(pattern, re.I), value) for pattern, value in pairs]


# Parameter-name hints -> pool; first match wins, so specific names come before generic ones.
NAME_HINTS: list[tuple[re.Pattern[str], str]] = _hints(
    [
        (r"^(code|snippet|script|source(_code)?|program|python(_code)?|code_?snippet|source_?text)$", "code"),
        (r"^(command|cmd|shell_?command)$", "command"),
        (r"^(sql|sql_?query)$", "sql"),
        (r"e-?mail", "email"),
        (r"url|uri|link|website|endpoint|href", "url"),
        (r"domain|host", "domain"),
        (r"\bip\b|ip_?addr", "ipv4"),
        (r"phone|mobile", "phone"),
        (r"city|town", "city"),
        (r"country", "country"),
        (r"\bstate\b|province|region", "state"),
        (r"address|street", "address"),
        (r"zip|postal|postcode", "postcode"),
        (r"first_?name", "first_name"),
        (r"last_?name|surname", "last_name"),
        (r"user_?name|login|handle", "username"),
        (r"company|organi[sz]ation|employer", "company"),
        (r"author|person|customer|recipient|assignee|owner|\bname\b", "name"),
        (r"path|file|dir|folder", "path"),
        (r"branch", "branch"),
        (r"function|symbol|method", "function"),
        (r"query|search|keyword|question|topic|term", "query"),
        (r"title|subject|heading", "title"),
        (r"color|colour", "color"),
        (r"currency", "currency"),
        (r"timezone|tz\b", "timezone"),
        (r"date_?time|timestamp", "date-time"),
        (r"date|day|deadline", "date"),
        (r"\btime\b", "time"),
        (r"tag|label|category", "tag"),
        (r"text|content|message|body|comment|note|description|reason|summary", "sentence"),
        (r"language|lang\b", "language"),
        (r"job|role|position", "job"),
    ]
)


# What a parameter's description says it holds, for names that say nothing ("court", "q", "loc"); only kinds a
# description names unambiguously ("the city where...", "an email address").
DESCRIPTION_HINTS: list[tuple[re.Pattern[str], str]] = _hints(
    [
        (r"\b(python|source) code\b|\bcode snippet|\bcode to (run|execute)", "code"),
        (r"\bshell command", "command"),
        (r"\bsql\b", "sql"),
        (r"e-?mail address", "email"),
        (r"\burl\b|\bweb ?page\b|\blink\b", "url"),
        (r"\bcity\b", "city"),
        (r"\bcountry\b", "country"),
        (r"\bstate\b", "state"),
        (r"\bfile ?path\b|\bpath to\b|\bfile name\b|\bdirectory\b", "path"),
        (r"\bdate\b|yyyy-mm-dd", "date"),
        (r"\bcompany\b", "company"),
        (r"phone number", "phone"),
        (r"\b(full )?name of the (person|user|author|customer|player|artist|employee)", "name"),
        (r"\blanguage\b", "language"),
    ]
)


def hint_for(name: str, description: str = "") -> str | None:
    """The value pool a parameter's name (first) or description suggests."""
    for pattern, pool in NAME_HINTS:
        if pattern.search(name):
            return pool
    for pattern, pool in DESCRIPTION_HINTS:
        if description and pattern.search(description):
            return pool
    return None


# Integer ranges that look right for common parameter names (used only when the schema gives no bounds).
NUMBER_HINTS: list[tuple[re.Pattern[str], tuple[int, int]]] = _hints(
    [
        (r"(^|_)year(_|$)", (1990, 2030)),
        (r"years|months|weeks|days|hours|minutes", (1, 30)),
        (r"\bage\b", (18, 90)),
        (r"port", (1024, 65535)),
        (r"month", (1, 12)),
        (r"percent|pct", (0, 100)),
        (r"timeout|seconds|duration|ttl", (1, 300)),
        (r"line", (1, 500)),
        # before the count names: "loan_amount" has an "n_" in it
        (r"amount|price|cost|revenue|salary|principal|budget|income|investment|population", (1000, 2_000_000)),
        (r"top_?k|limit|max_?results|count|num|size|n_|k\b", (1, 50)),
        (r"page", (1, 20)),
        (r"temperature|prob|threshold|score|weight|ratio", (0, 1)),
    ]
)


def number_range(name: str) -> tuple[int, int]:
    for pattern, span in NUMBER_HINTS:
        if pattern.search(name):
            return span
    return (1, 100)
