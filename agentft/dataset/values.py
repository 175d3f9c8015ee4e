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
# What people call the things an id stands for (documents, projects, records), for requests that name one by its
# title; the demo's documents are not among them.
OBJECT_TITLES = (
    "Q3 budget review", "Onboarding checklist", "Data retention rules", "Website redesign", "Incident postmortem",
    "Hiring plan 2026", "Customer churn analysis", "API style guide", "Quarterly sales report", "Office move",
    "Parental leave guidelines", "Release notes 4.2", "Board meeting minutes", "Pricing experiment",
    "Mobile app launch", "Vendor contract renewal", "Code of conduct", "Disaster recovery plan", "Team offsite",
    "Marketing calendar", "Annual performance review", "Cloud cost report", "Brand guidelines", "Support playbook",
    "Research proposal", "Holiday schedule", "Remote work policy", "Warehouse inventory", "Spring campaign",
    "Benefits overview", "Architecture decision record", "Payroll calendar", "Privacy notice", "Sprint retrospective",
    "Expense claim template", "Training curriculum", "Risk register", "Partner agreement", "User interview notes",
    "Migration runbook",
)  # fmt: skip
# Objects that are people: named, not titled.
PERSON_NOUNS = ("user", "customer", "employee", "author", "owner", "member", "patient", "student", "contact", "player")

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

    def city() -> str:
        return rng.choice(REAL_CITIES) if rng.random() < 0.7 else fake.city()

    def location() -> str:  # "Boston, MA" as most place parameters are written, or a bare city
        return rng.choice(US_CITIES) if rng.random() < 0.5 else city()

    return {
        "city": draw(city),
        "location": draw(location),
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
        "time": draw(lambda: fake.date_time_between(_DATES_FROM, _DATES_TO).strftime("%H:%M:%S")),  # not now()
        "date-time": draw(lambda: fake.date_time_between(_DATES_FROM, _DATES_TO).strftime("%Y-%m-%dT%H:%M:%SZ")),
        "ipv4": draw(fake.ipv4),
        "ipv6": draw(fake.ipv6),
        "tag": draw(lambda: fake.word().lower()),
        "function": draw(lambda: f"{fake.word()}_{rng.choice(_CODE_WORDS)}"),
        "branch": draw(lambda: rng.choice(["main", "develop", "feature/", "fix/"]) + fake.word()),
        "identifier": draw(
            lambda: rng.choice(
                [
                    str(rng.randint(1000, 999_999)),
                    f"{fake.word()[:3]}-{rng.randint(100, 99_999)}",
                    "".join(rng.choices(string.ascii_uppercase + string.digits, k=rng.choice([6, 8]))),
                ]
            )
        ),
        "uuid": draw(lambda: str(fake.uuid4())),
        "version": draw(lambda: f"{rng.randint(0, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"),
        "secret": draw(lambda: rng.choice(["tok_", "sk-", "key_", ""]) + fake.sha1()[: rng.choice([16, 24, 32])]),
        "password": draw(lambda: fake.password(length=12)),
        "hash": draw(fake.sha1),
        "code": list(CODE_SNIPPETS),
        "command": list(SHELL_COMMANDS),
        "sql": list(SQL_QUERIES),
    }


# Places people ask about: BFCL-style questions name real cities ("Boston, MA"), Faker's are made up.
REAL_CITIES = (
    "London", "Paris", "Tokyo", "New York", "Berlin", "Madrid", "Rome", "Sydney", "Toronto", "Mumbai", "Cairo",
    "Lisbon", "Seoul", "Chicago", "Mexico City", "Istanbul", "Singapore", "Nairobi", "Buenos Aires", "Amsterdam",
    "Vienna", "Dublin", "Bangkok", "Cape Town", "Vancouver", "Stockholm", "Prague", "Lima", "Osaka", "Hanoi",
)  # fmt: skip
US_CITIES = (
    "Boston, MA", "Seattle, WA", "Austin, TX", "Denver, CO", "Miami, FL", "Portland, OR", "Atlanta, GA",
    "Phoenix, AZ", "San Diego, CA", "Nashville, TN", "Chicago, IL", "Dallas, TX", "Detroit, MI", "Orlando, FL",
    "Philadelphia, PA", "Pittsburgh, PA", "Sacramento, CA", "New York, NY", "Columbus, OH", "Charlotte, NC",
)  # fmt: skip

# Values for the things tool parameters commonly name ("instrument", "team_name", "genre"): a request for the rental
# price of the instrument "leave" teaches a model to copy noise; one for a cello reads like the questions users ask.
CONCEPT_VALUES: dict[str, tuple[str, ...]] = {
    "instrument": ("violin", "cello", "piano", "acoustic guitar", "flute", "saxophone", "trumpet", "drum kit"),
    "team": ("Chicago Bulls", "Real Madrid", "New England Patriots", "Toronto Maple Leafs", "Arsenal"),
    "league": ("NBA", "NFL", "Premier League", "La Liga", "MLB", "NHL", "Serie A"),
    "sport": ("basketball", "soccer", "tennis", "baseball", "cricket", "ice hockey", "golf"),
    "season": ("2021-2022", "2023", "winter", "summer", "2019-2020", "spring"),
    "tournament": ("Wimbledon", "the World Cup", "the US Open", "the Champions League", "the Masters"),
    "game": ("chess", "Minecraft", "Tetris", "poker", "Fortnite", "The Legend of Zelda", "Monopoly"),
    "movie": ("Inception", "The Matrix", "Casablanca", "Spirited Away", "Jurassic Park", "Interstellar"),
    "book": ("Pride and Prejudice", "1984", "Moby-Dick", "The Hobbit", "Dune", "Beloved"),
    "song": ("Bohemian Rhapsody", "Yesterday", "Hotel California", "Imagine", "Billie Jean", "Respect"),
    "album": ("Abbey Road", "Thriller", "Rumours", "Kind of Blue", "Back in Black", "1989"),
    "artist": ("Taylor Swift", "The Beatles", "Vincent van Gogh", "Adele", "Claude Monet", "Miles Davis"),
    "band": ("The Beatles", "Radiohead", "Queen", "Coldplay", "Nirvana", "ABBA"),
    "genre": ("jazz", "rock", "hip hop", "classical", "science fiction", "comedy", "thriller"),
    "cuisine": ("Italian", "Mexican", "Japanese", "Thai", "Indian", "French", "vegan"),
    "dish": ("lasagna", "pad thai", "chicken curry", "caesar salad", "ramen", "tacos"),
    "recipe": ("banana bread", "lasagna", "chicken curry", "pancakes", "tomato soup", "guacamole"),
    "ingredient": ("tomatoes", "chicken breast", "garlic", "basil", "rice", "eggs", "olive oil"),
    "food": ("apple", "salmon", "brown rice", "spinach", "almonds", "cheddar cheese"),
    "restaurant": ("Joe's Pizza", "Nobu", "The Golden Dragon", "Blue Hill", "Chez Panisse"),
    "hotel": ("Hilton Garden Inn", "The Ritz", "Marriott Downtown", "Holiday Inn Express", "Four Seasons"),
    "airline": ("Delta", "United Airlines", "Lufthansa", "Emirates", "Air France", "Qantas"),
    "airport": ("JFK", "LAX", "LHR", "CDG", "SFO", "ORD", "HND"),
    "species": ("gray wolf", "bald eagle", "African elephant", "monarch butterfly", "blue whale", "red fox"),
    "animal": ("dog", "cat", "horse", "dolphin", "owl", "tiger"),
    "plant": ("sunflower", "oak", "basil", "tomato", "fern", "cactus"),
    "element": ("oxygen", "carbon", "iron", "gold", "helium", "sodium"),
    "substance": ("water", "ethanol", "sodium chloride", "glucose", "carbon dioxide", "ammonia"),
    "compound": ("water", "ethanol", "sodium chloride", "glucose", "carbon dioxide", "methane"),
    "material": ("steel", "cotton", "aluminum", "wood", "glass", "leather"),
    "planet": ("Mars", "Jupiter", "Venus", "Saturn", "Mercury", "Neptune"),
    "disease": ("diabetes", "influenza", "asthma", "malaria", "hypertension", "measles"),
    "drug": ("ibuprofen", "aspirin", "amoxicillin", "metformin", "insulin", "paracetamol"),
    "symptom": ("fever", "headache", "cough", "fatigue", "nausea", "sore throat"),
    "gene": ("BRCA1", "TP53", "APOE", "CFTR", "EGFR", "HBB"),
    "museum": ("the Louvre", "the British Museum", "the Metropolitan Museum of Art", "the Prado", "MoMA"),
    "sculpture": ("The Thinker", "David", "Venus de Milo", "The Kiss", "Cloud Gate"),
    "painting": ("Mona Lisa", "The Starry Night", "The Scream", "Girl with a Pearl Earring", "Guernica"),
    "monument": ("the Eiffel Tower", "the Colosseum", "the Statue of Liberty", "Machu Picchu", "the Taj Mahal"),
    "landmark": ("the Eiffel Tower", "the Colosseum", "the Golden Gate Bridge", "Big Ben", "the Taj Mahal"),
    "university": ("MIT", "Stanford University", "University of Oxford", "Harvard University", "ETH Zurich"),
    "school": ("MIT", "Stanford University", "Lincoln High School", "University of Oxford", "Harvard University"),
    "course": ("Linear Algebra", "Introduction to Psychology", "Organic Chemistry", "Data Structures"),
    "product": ("wireless headphones", "iPhone 15", "coffee maker", "running shoes", "laptop stand", "desk lamp"),
    "item": ("wireless headphones", "coffee maker", "running shoes", "backpack", "desk lamp", "water bottle"),
    "brand": ("Nike", "Apple", "Samsung", "Toyota", "Sony", "Adidas"),
    "car": ("Toyota Camry", "Honda Civic", "Tesla Model 3", "Ford F-150", "BMW X5"),
    "device": ("iPhone", "Pixel 8", "MacBook Pro", "thermostat", "smart TV", "router"),
    "stock": ("AAPL", "MSFT", "GOOGL", "AMZN", "TSLA", "NVDA"),
    "event": ("Coachella", "the Olympic Games", "a jazz night", "Hamilton", "Comic-Con", "a charity gala"),
    "theater": ("AMC Empire 25", "Regal Union Square", "the Globe Theatre", "Alamo Drafthouse"),
    "venue": ("Madison Square Garden", "Wembley Stadium", "the Hollywood Bowl", "Red Rocks Amphitheatre"),
    "publisher": ("Penguin Random House", "HarperCollins", "Nintendo", "Electronic Arts", "O'Reilly Media"),
    "project": ("website-redesign", "mobile-app", "data-pipeline", "billing-service", "Apollo"),
    "database": ("customers", "inventory", "analytics", "postgres", "orders"),
    "table": ("users", "orders", "products", "transactions", "employees"),
    "period": ("the Renaissance", "the 19th century", "the Bronze Age", "the Baroque period", "the 1960s"),
    "era": ("the Renaissance", "the Victorian era", "the Bronze Age", "the Baroque period", "the Jazz Age"),
    "unit": ("kPa", "meters", "kilograms", "celsius", "miles", "liters"),
    "variable": ("x", "y", "t", "n", "velocity", "mass"),
    "equation": ("3x + 2 = 11", "x^2 - 4 = 0", "2y - 7 = 5", "y = mx + b", "E = mc^2"),
    "function": ("x^2", "3x^2 + 2x - 1", "sin(x)", "e^x", "2x + 5", "ln(x)"),
    "formula": ("C6H12O6", "H2O", "NaCl", "CO2", "CH4", "C2H5OH"),
    "shape": ("circle", "triangle", "square", "rectangle", "hexagon", "oval"),
    "size": ("small", "medium", "large", "XL", "10", "42"),
    "occasion": ("birthday", "wedding", "anniversary", "graduation", "dinner party"),
    "holiday": ("Christmas", "Thanksgiving", "Diwali", "Lunar New Year", "Easter", "Hanukkah"),
    "religion": ("Buddhism", "Christianity", "Islam", "Hinduism", "Judaism"),
    "empire": ("the Roman Empire", "the Ottoman Empire", "the Mongol Empire", "the Byzantine Empire"),
    "battle": ("the Battle of Waterloo", "the Battle of Hastings", "the Battle of Gettysburg", "Stalingrad"),
    "war": ("World War II", "the Civil War", "the Hundred Years' War", "the Cold War"),
    "mountain": ("Mount Everest", "Kilimanjaro", "Mont Blanc", "Denali", "K2"),
    "river": ("the Nile", "the Amazon", "the Danube", "the Mississippi", "the Thames"),
    "park": ("Yellowstone", "Yosemite", "Banff National Park", "Central Park", "Zion National Park"),
    "player": ("LeBron James", "Serena Williams", "Lionel Messi", "Tom Brady", "Magnus Carlsen"),
    "character": ("Sherlock Holmes", "Harry Potter", "Hamlet", "Elizabeth Bennet", "Darth Vader"),
    "show": ("Breaking Bad", "The Office", "Friends", "Stranger Things", "The Crown"),
    "channel": ("CNN", "BBC One", "Discovery", "HBO", "ESPN"),
    "os": ("Ubuntu 22.04", "Windows 11", "macOS Sonoma", "Debian 12", "Android 14"),
    "browser": ("Chrome", "Firefox", "Safari", "Edge"),
    "platform": ("Linux", "Windows", "macOS", "iOS", "Android"),
    "package": ("numpy", "requests", "react", "lodash", "pandas", "express"),
    "model": ("gpt-4o", "llama-3-8b", "resnet50", "bert-base-uncased", "Model S", "iPhone 15 Pro"),
    "metric": ("accuracy", "revenue", "latency", "CPU usage", "conversion rate", "F1 score"),
    "service": ("billing-api", "auth-service", "payments", "search", "notification-service"),
    "application": ("checkout-web", "mobile-banking", "inventory-app", "crm", "analytics-dashboard"),
    "app": ("Slack", "Spotify", "checkout-web", "mobile-banking", "Instagram"),
    "dataset": ("iris", "MNIST", "titanic", "sales_2023", "customer_churn"),
    "environment": ("production", "staging", "development", "test"),
    "region": ("us-east-1", "eu-west-1", "Europe", "Asia Pacific", "North America"),
    "status": ("active", "pending", "closed", "shipped", "completed"),
    "mode": ("driving", "walking", "transit", "dark", "offline"),
    "style": ("formal", "casual", "bullet points", "impressionist", "minimalist"),
    "tone": ("formal", "friendly", "neutral", "persuasive", "humorous"),
    "format": ("json", "csv", "pdf", "markdown", "html"),
}  # fmt: skip
_CONCEPT_ALIASES = {
    "film": "movie", "medication": "drug", "medicine": "drug", "ticker": "stock", "symbol": "stock", "vehicle": "car",
    "library": "package", "track": "song", "singer": "artist", "musician": "artist", "painter": "artist",
    "author": "artist", "opponent": "team", "club": "team", "meal": "dish", "cinema": "theater", "theatre": "theater",
    "stadium": "venue", "organism": "species", "chemical": "substance", "molecule": "compound",
}  # fmt: skip
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _concept(word: str) -> str | None:
    forms = [word]
    if word.endswith("s"):  # plurals: "songs", "movies", "cities"
        forms += [word[:-1], word[:-3] + "y" if word.endswith("ies") else word[:-2]]
    for form in forms:
        form = _CONCEPT_ALIASES.get(form, form)
        if form in CONCEPT_VALUES:
            return form
    return None


# Pools a name hints at only loosely ("topic", "label", "note"): the thing the parameter names fits better, if known.
WEAK_POOLS = (None, "tag", "query", "title", "sentence")


def concept_for(name: str, description: str = "") -> str | None:
    """The thing a string parameter names ("team_name" -> team), else, for a name that hints at nothing ("q"), the
    first thing its description names."""
    for word in reversed([w.lower() for w in _WORDS.findall(name)]):  # the head noun is last: "home_team"
        if word not in ("name", "id", "type", "title") and (concept := _concept(word)):
            return concept
    if description and hint_for(name) is None:
        first = re.split(r"(?<=[.;])\s", description)[0]
        for word in re.findall(r"[a-z]+", first.lower()):
            if concept := _concept(word):
                return concept
    return None


# "e.g. 'Boston, MA'", and the default a description names ("Default is 'cm'"): the values the tool expects
_EXAMPLE = re.compile(
    r"(?:\be\.g\.|\bfor example|\bsuch as|\bfor instance|\bi\.e\.|\bdefaults?(?: value)?(?: is| to|:| (?=['\"])))"
    r"[,:]?\s*(.+)",
    re.I,
)
_NO_VALUE = re.compile(r"(a|an|the|your|none|null|empty|not set|unset|current|today|true|false)\b", re.I)
_QUOTED = re.compile(r"'([^']{1,60})'|\"([^\"]{1,60})\"")


def description_examples(description: str) -> list[str]:
    """The example values a parameter's description gives ("The city and state, e.g. 'Boston, MA'"): the surest
    sign of what the parameter holds and how it is written."""
    match = _EXAMPLE.search(description or "")
    if not match:
        return []
    text = match.group(1)
    quoted = [a or b for a, b in _QUOTED.findall(text)]
    if quoted:
        return [q.strip() for q in quoted if q.strip()]
    if _NO_VALUE.match(text):  # "such as an artist's name", "Default is the current year": no value
        return []
    text = re.split(r"[)\]]|\.(?:\s|$)", text)[0]
    parts = [p.strip(" .") for p in re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+", text)]
    if all(re.fullmatch(r"-?\d+(\.\d+)?", p) for p in parts):  # "34.05, -118.24" is one value, not two
        parts = [text.strip(" .")]
    return [p for p in parts if p and len(p) <= 40 and len(p.split()) <= 5]


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
        (r"uuid|guid", "uuid"),
        (r"(^|_)(id|ids|identifier)$|^id_|_id_", "identifier"),
        (r"password|passwd|passphrase", "password"),
        (r"token|api_?key|secret|credential", "secret"),
        (r"(^|_)hash$|checksum|digest", "hash"),
        (r"version", "version"),
        (r"city|town", "city"),
        (r"^(location|loc|place|destination|origin)$|_location$", "location"),
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
        (r"city and state|city, state", "location"),
        (r"\bcity\b", "city"),
        (r"\buuid\b", "uuid"),
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
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)  # customDashboardId -> custom_Dashboard_Id
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
