"""Executors that really run the example tool sets (schemas/): sandboxed code tools, local retrieval, safety tools.

Arguments reach an executor only after `validate_call` accepted them; executors still defend themselves (paths
confined to the scratch directory, a timeout and no network for code).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

Executor = Callable[..., str]


def _tail(handle: Any, limit: int = 2000) -> str:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - limit * 4))
    return handle.read().decode("utf-8", "replace")[-limit:]


class ToolExecutionError(RuntimeError):
    """The tool ran and failed; the message goes back to the model as the tool result."""


# --- code tools: a scratch directory, a confined subprocess ----------------------------------------------------

# Runs first in the child (as sitecustomize): a PEP 578 audit hook, which the code it guards cannot remove, refuses
# network use, new processes, native code loading, and writes outside the workspace (symlinks resolved).
_GUARD = """
import os, sys
_ROOT = os.path.realpath({root!r})
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_BLOCKED = ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "subprocess.Popen", "os.system",
            "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen",
            "ctypes.cdll", "_ctypes.dlopen", "sys.remote_exec", "os.startfile")
_PATH_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.chmod", "os.chown",
                "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move")

def _inside(path):
    try:
        path = os.fsdecode(path) if not isinstance(path, int) else None
    except TypeError:
        return False
    if path is None:
        return True
    real = os.path.realpath(path)
    return real == _ROOT or real.startswith(_ROOT + os.sep)

def _hook(event, args):
    if event in _BLOCKED or event.startswith("os.exec"):
        raise PermissionError(f"agentft sandbox: {{event}} is not allowed")
    if event == "open" and args and args[0] is not None:
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (flags or 0) & _WRITE
        if writing and not _inside(args[0]):
            raise PermissionError(f"agentft sandbox: writing {{args[0]!r}} outside the workspace is not allowed")
    elif event in _PATH_EVENTS:
        for value in args:
            if isinstance(value, (str, bytes, os.PathLike)) and not _inside(value):
                raise PermissionError(f"agentft sandbox: {{event}} outside the workspace is not allowed")

sys.addaudithook(_hook)
"""
CPU_SECONDS = 30
MEMORY_BYTES = 1 << 30
OUTPUT_BYTES = 8 << 20
OPEN_FILES = 64


def _limits(cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_BYTES, OUTPUT_BYTES))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _network_namespace() -> list[str]:
    """`unshare -rn` (a user + network namespace: no interface but a down loopback) where the kernel allows it."""
    global _NETNS
    if _NETNS is None:
        probe = ["unshare", "-rn", sys.executable, "-c", "pass"]
        try:
            _NETNS = subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            _NETNS = False
    return ["unshare", "-rn"] if _NETNS else []


_NETNS: bool | None = None


class CodeSandbox:
    """Runs model-written Python confined: a scrubbed environment, a new session whose whole process group is killed
    on timeout, resource limits (CPU time, address space, output size, open files), an audit hook refusing network,
    new processes and writes outside the workspace, and — where the kernel allows — a network namespace with no
    interface. Not isolated: reading files the user running agentft can read, and time spent within the limits."""

    def __init__(self, workspace: str | Path | None = None, timeout: float = 10.0):
        self.workspace = Path(workspace or tempfile.mkdtemp(prefix="agentft-sandbox-")).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self._site = Path(tempfile.mkdtemp(prefix="agentft-site-"))
        (self._site / "sitecustomize.py").write_text(_GUARD.format(root=str(self.workspace)))

    def resolve(self, path: str) -> Path:
        """A path inside the workspace, or an error: absolute paths and `..` escapes are rejected."""
        target = (self.workspace / path).resolve()
        if Path(path).is_absolute() or not target.is_relative_to(self.workspace):
            raise ToolExecutionError(f"path {path!r} is outside the sandbox workspace")
        return target

    def run_python(self, code: str, timeout_seconds: float | None = None, stdin: str = "") -> str:
        import signal

        timeout = min(float(timeout_seconds or self.timeout), self.timeout)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(self._site), "HOME": str(self.workspace), "LANG": "C.UTF-8"}
        command = [*_network_namespace(), sys.executable, "-S", "-c", f"import sitecustomize\n{code}"]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                command,
                cwd=self.workspace,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
                preexec_fn=_limits(min(CPU_SECONDS, int(timeout) + 1)),
            )
            try:
                proc.communicate(stdin.encode(), timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise ToolExecutionError(f"timed out after {timeout:g}s") from None
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # anything it left behind in its group
            stdout, stderr = _tail(out), _tail(err)
        note = ""
        if proc.returncode == -signal.SIGXFSZ:
            note = f" (output limit of {OUTPUT_BYTES >> 20} MB reached)"
        elif proc.returncode == -signal.SIGXCPU or proc.returncode == -signal.SIGKILL:
            note = " (CPU time limit reached)"
        return f"exit code {proc.returncode}{note}\nstdout:\n{stdout}\nstderr:\n{stderr}"

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
    """Markdown files as documents, each known by a UUID derived from its file name: the retrieval tools' schema
    takes a document as a UUID or an https URL, so ids like `vacation-policy` could never pass validation and
    a model that searched first would have nothing it may fetch."""

    def __init__(self, folder: str | Path):
        texts = {p.stem: p.read_text() for p in sorted(Path(folder).glob("*.md"))}
        self.ids = {stem: str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentft-docs/{stem}")) for stem in texts}
        self.docs = {self.ids[stem]: text for stem, text in texts.items()}

    def _score(self, query: str, text: str) -> int:
        words = set(_WORD.findall(query.lower()))
        return sum(1 for w in _WORD.findall(text.lower()) if w in words)

    def _title(self, doc_id: str) -> str:
        return self.docs[doc_id].splitlines()[0].lstrip("# ")

    def search_documents(self, query: str, top_k: int = 3, filters: Any = None) -> str:
        ranked = sorted(self.docs, key=lambda d: -self._score(query, self.docs[d]))
        hits = [d for d in ranked if self._score(query, self.docs[d])][:top_k]
        return "\n".join(f"{d}: {self._title(d)}" for d in hits) or "no documents found"

    def _known(self, document: str) -> str:
        """The id of `document` (a file name is accepted too, for people calling it by hand); an unknown one is
        answered with the ids that exist, so the model's next step can use one."""
        doc_id = self.ids.get(document, document)
        if doc_id not in self.docs:
            known = "; ".join(f"{d} ({self._title(d)})" for d in self.docs)
            raise ToolExecutionError(f"unknown document {document!r}; known: {known}")
        return doc_id

    def fetch_document(self, document: str, max_chars: int = 2000) -> str:
        return self.docs[self._known(document)][:max_chars]

    def get_citations(self, document_id: str, since: str | None = None, limit: int = 10) -> str:
        """The collection's documents that name this one by its title: a local store has no citation index, and
        `since` has nothing to filter (documents carry no dates)."""
        doc_id = self._known(document_id)
        title = self._title(doc_id).lower()
        citing = [d for d in self.docs if d != doc_id and title in self.docs[d].lower()][:limit]
        return "\n".join(f"{d}: {self._title(d)}" for d in citing) or f"no document cites {self._title(doc_id)!r}"

    def summarize_document(self, document_id: str, style: str = "brief", max_words: int = 60) -> str:
        words = self.fetch_document(document_id).split()
        return " ".join(words[:max_words])

    def lookup_glossary(self, term: str, language: str = "en") -> str:
        for line in self.docs.get(self.ids.get("glossary", ""), "").splitlines():
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
            "get_citations": self.get_citations,
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
