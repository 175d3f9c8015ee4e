"""Executors that really run the example tool sets (schemas/): sandboxed code tools, local retrieval, safety tools.

Arguments reach an executor only after `validate_call` accepted them; executors still defend themselves (paths
confined to the scratch directory, a timeout and no network for code).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Executor = Callable[..., str]


class ToolExecutionError(RuntimeError):
    """The tool ran and failed; the message goes back to the model as the tool result."""


# --- code tools: a scratch directory, a subprocess, no network -------------------------------------------------

_NO_NETWORK = (
    "import socket\n"
    "def _blocked(*a, **k):\n"
    "    raise OSError('network access is disabled in the agentft sandbox')\n"
    "socket.socket = _blocked\nsocket.create_connection = _blocked\n"
)


class CodeSandbox:
    def __init__(self, workspace: str | Path | None = None, timeout: float = 10.0):
        self.workspace = Path(workspace or tempfile.mkdtemp(prefix="agentft-sandbox-")).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self._site = Path(tempfile.mkdtemp(prefix="agentft-site-"))
        (self._site / "sitecustomize.py").write_text(_NO_NETWORK)

    def resolve(self, path: str) -> Path:
        """A path inside the workspace, or an error: absolute paths and `..` escapes are rejected."""
        target = (self.workspace / path).resolve()
        if Path(path).is_absolute() or not target.is_relative_to(self.workspace):
            raise ToolExecutionError(f"path {path!r} is outside the sandbox workspace")
        return target

    def run_python(self, code: str, timeout_seconds: float | None = None, stdin: str = "") -> str:
        timeout = min(float(timeout_seconds or self.timeout), self.timeout)
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(self._site), "HOME": str(self.workspace)}
        try:
            done = subprocess.run(
                [sys.executable, "-c", code],
                cwd=self.workspace,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
            )
        except subprocess.TimeoutExpired:
            raise ToolExecutionError(f"timed out after {timeout:g}s") from None
        return f"exit code {done.returncode}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-2000:]}"

    def read_file(self, path: str, start_line: int = 1, end_line: int | None = None) -> str:
        target = self.resolve(path)
        if not target.is_file():
            raise ToolExecutionError(f"no such file: {path}")
        lines = target.read_text(errors="replace").splitlines()
        return "\n".join(lines[start_line - 1 : end_line])

    def write_file(self, path: str, content: str, mode: str = "overwrite") -> str:
        target = self.resolve(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a" if mode == "append" else "w") as f:
            f.write(content)
        return f"wrote {len(content)} characters to {path}"

    def search_code(
        self, pattern: str, file_globs: list[str] | None = None, case_sensitive: bool = True, max_results: int = 20
    ) -> str:
        try:
            regex = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
        except re.error as exc:
            raise ToolExecutionError(f"bad pattern: {exc}") from None
        hits = []
        for glob in file_globs or ["*.py"]:
            for file in sorted(self.workspace.rglob(glob)):
                for number, line in enumerate(file.read_text(errors="replace").splitlines(), 1):
                    if regex.search(line):
                        hits.append(f"{file.relative_to(self.workspace)}:{number}: {line.strip()}")
        return "\n".join(hits[:max_results]) or "no matches"

    def lint_code(self, paths: list[str], rules: list[str] | None = None, fix: bool = False) -> str:
        """Syntax check with Python's own compiler (no linter dependency in the sandbox)."""
        problems = []
        for path in paths:
            target = self.resolve(path)
            if not target.is_file():
                problems.append(f"{path}: no such file")
                continue
            try:
                compile(target.read_text(errors="replace"), path, "exec")
            except SyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: {exc.msg}")
        return "\n".join(problems) or f"no problems in {len(paths)} file(s)"

    def executors(self) -> dict[str, Executor]:
        return {
            "lint_code": self.lint_code,
            "run_python": self.run_python,
            "read_file": self.read_file,
            "write_file": self.write_file,
            "search_code": self.search_code,
        }


# --- retrieval over a local document collection ----------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


class DocumentStore:
    def __init__(self, folder: str | Path):
        self.docs = {p.stem: p.read_text() for p in sorted(Path(folder).glob("*.md"))}

    def _score(self, query: str, text: str) -> int:
        words = set(_WORD.findall(query.lower()))
        return sum(1 for w in _WORD.findall(text.lower()) if w in words)

    def search_documents(self, query: str, top_k: int = 3, filters: Any = None) -> str:
        ranked = sorted(self.docs, key=lambda d: -self._score(query, self.docs[d]))
        hits = [d for d in ranked if self._score(query, self.docs[d])][:top_k]
        return "\n".join(f"{d}: {self.docs[d].splitlines()[0].lstrip('# ')}" for d in hits) or "no documents found"

    def fetch_document(self, document: str, max_chars: int = 2000) -> str:
        if document not in self.docs:
            raise ToolExecutionError(f"unknown document {document!r}; known: {', '.join(self.docs)}")
        return self.docs[document][:max_chars]

    def summarize_document(self, document_id: str, style: str = "brief", max_words: int = 60) -> str:
        words = self.fetch_document(document_id).split()
        return " ".join(words[:max_words])

    def lookup_glossary(self, term: str, language: str = "en") -> str:
        for line in self.docs.get("glossary", "").splitlines():
            if line.lower().lstrip("- ").startswith(term.lower() + ":"):
                return line.lstrip("- ")
        raise ToolExecutionError(f"{term!r} is not in the glossary")

    def web_search(self, query: str, num_results: int = 3, **_: Any) -> str:
        """No network here: answer from the local collection, and say so."""
        return "offline: web search unavailable; local collection results:\n" + self.search_documents(
            query, num_results
        )

    def executors(self) -> dict[str, Executor]:
        return {
            "web_search": self.web_search,
            "search_documents": self.search_documents,
            "fetch_document": self.fetch_document,
            "summarize_document": self.summarize_document,
            "lookup_glossary": self.lookup_glossary,
        }


# --- safety tools that work on text ----------------------------------------------------------------------------

PII_PATTERNS = {
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": re.compile(r"(?<!\d)(?:\+?\d{1,3}[ -]?)?(?:\(?\d{3}\)?[ -]?)\d{3}[ -]?\d{4}(?!\d)"),
    "ssn": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "credit_card": re.compile(r"\b(?:\d[ -]?){13,16}\b"),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b"),
}
CONTENT_LEXICON = {
    "violence": ("kill", "bomb", "weapon", "gun", "explosive", "poison", "hurt"),
    "malware": ("ransomware", "keylogger", "malware", "virus", "exploit"),
    "harassment": ("worthless", "hate you", "stalk", "dox", "threat"),
    "self_harm": ("suicide", "self-harm", "hurt myself"),
}
INJECTION_MARKERS = re.compile(
    r"ignore (all )?(previous|prior) instructions|disregard the user|system override|you are now|"
    r"new instruction|note to ai|assistant:|attention ai",
    re.IGNORECASE,
)


def redact_pii(text: str, entity_types: list[str] | None = None, replacement: str = "[REDACTED]") -> str:
    kinds = entity_types or list(PII_PATTERNS)
    for kind in ("ssn", "iban", "credit_card", "email", "phone"):  # most specific first
        if kind in kinds:
            text = PII_PATTERNS[kind].sub(replacement, text)
    return text


def classify_content(text: str, categories: list[str] | None = None, threshold: float = 0.5) -> str:
    lowered = text.lower()
    hits = {c: [w for w in words if w in lowered] for c, words in CONTENT_LEXICON.items()}
    flagged = {c: w for c, w in hits.items() if w and (not categories or c in categories)}
    if not flagged:
        return "safe"
    return "flagged: " + ", ".join(f"{c} ({' '.join(w)})" for c, w in flagged.items())


def detect_prompt_injection(content: str, source: str = "unknown", strict: bool = False) -> str:
    match = INJECTION_MARKERS.search(content)
    return f"injection detected in {source}: {match.group(0)!r}" if match else f"no injection found in {source}"


def refuse_request(policy: str, explanation: str, alternative: str | None = None) -> str:
    return f"refused ({policy}): {explanation}" + (f" Alternative: {alternative}" if alternative else "")


def escalate_to_human(severity: str, reason: str, ticket: str | None = None) -> str:
    return f"escalated ({severity}) to a human reviewer: {reason}"


def safety_executors() -> dict[str, Executor]:
    return {
        "redact_pii": redact_pii,
        "classify_content": classify_content,
        "detect_prompt_injection": detect_prompt_injection,
        "refuse_request": refuse_request,
        "escalate_to_human": escalate_to_human,
    }


def example_executors(workspace: str | Path | None = None, docs: str | Path = "examples/docs") -> dict[str, Executor]:
    """Every executor for the tool sets in schemas/."""
    return {**CodeSandbox(workspace).executors(), **DocumentStore(docs).executors(), **safety_executors()}
