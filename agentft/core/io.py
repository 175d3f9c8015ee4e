"""Reading JSON/JSONL with located errors, and atomic writes so a failed run never leaves partial files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentft.core.errors import AgentftError, json_path

MAX_FILE_BYTES = 32 << 20  # tool files and configs: far past any real one, short of what fills memory when parsed


def read_json_or_jsonl(path: str | Path) -> Any:
    """Parse a file as JSON, falling back to JSONL (a list of its non-empty lines). A UTF-8 byte-order mark is
    skipped; NaN and Infinity (which Python's json accepts) are refused, as JSON itself does."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise AgentftError(
                f"file is {path.stat().st_size >> 20} MB, over the {MAX_FILE_BYTES >> 20} MB limit", file=path
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgentftError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentftError(f"cannot read file ({exc})", file=path) from None
    if not text.strip():
        raise AgentftError("file is empty", file=path)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise AgentftError(str(exc), file=path) from None
        data = _jsonl_fallback(text, exc, path)
    except RecursionError:
        raise AgentftError(f"JSON nested too deeply (more than {MAX_NESTING} levels)", file=path) from None
    check_tree(data, path)
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (use null or a finite number)")


def _jsonl_fallback(text: str, whole_err: json.JSONDecodeError, path: Path) -> list[Any]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        raise AgentftError(f"invalid JSON: {whole_err.msg} (line {whole_err.lineno})", file=path) from None
    return list(iter_jsonl(path))


MAX_NESTING = 100  # far beyond any real tool schema, well inside Python's recursion limit for the schema walkers


def check_tree(data: Any, file: str | Path) -> None:
    """Reject what JSON allows but nothing downstream can use: nesting deeper than MAX_NESTING (the recursive
    schema walkers would overflow) and lone UTF-16 surrogates (`"\\ud800"`: no UTF-8 file can hold them)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if len(parts) > MAX_NESTING:
            raise AgentftError(
                f"nested more than {MAX_NESTING} levels deep", file=file, path=json_path(parts[:8]) + "..."
            )
        if isinstance(node, dict):
            for key, value in node.items():
                _check_text(key, file, parts)
                stack.append((value, (*parts, key)))
        elif isinstance(node, list):
            stack.extend((value, (*parts, i)) for i, value in enumerate(node))
        elif isinstance(node, str):
            _check_text(node, file, parts)


def _check_text(text: str, file: str | Path, parts: tuple[str | int, ...]) -> None:
    if _SURROGATE.search(text):
        raise AgentftError(
            "string holds a lone UTF-16 surrogate (not valid Unicode text)", file=file, path=json_path(parts)
        )


_SURROGATE = re.compile("[\ud800-\udfff]")


def iter_jsonl(path: str | Path) -> Iterator[Any]:
    """Yield one object per non-empty line; a bad line is reported as `$[index]` (0-based, blank lines skipped)."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise AgentftError("file not found", file=path) from None
    with handle:
        index = 0
        for lineno, line in _lines(handle, path):
            if not line.strip():
                continue
            try:
                yield json.loads(line, parse_constant=_refuse_constant)
            except RecursionError:
                raise AgentftError("JSON nested too deeply", file=path, path=f"$[{index}]") from None
            except json.JSONDecodeError as exc:
                raise AgentftError(
                    f"invalid JSON on line {lineno}: {exc.msg}", file=path, path=f"$[{index}]"
                ) from None
            except ValueError as exc:  # NaN / Infinity
                raise AgentftError(f"line {lineno}: {exc}", file=path, path=f"$[{index}]") from None
            index += 1


def _lines(handle: Any, path: Path) -> Iterator[tuple[int, str]]:
    lineno = 0
    try:
        for lineno, line in enumerate(handle, start=1):  # noqa: B007 - lineno names the bad line below
            yield lineno, line
    except UnicodeDecodeError:
        raise AgentftError(f"line {lineno + 1} is not UTF-8 text", file=path) from None


def dumps_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomic(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared like any written file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: str | Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


@contextlib.contextmanager
def atomic_directory(final: str | Path) -> Iterator[Path]:
    """Yield a staging directory beside `final`; on success its files replace `final`'s, on failure it vanishes.

    Files are moved one by one with os.replace, so existing unrelated files in `final` survive and no reader
    ever sees a half-written file.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".tmp-{final.name}-"))
    try:
        yield staging
        if not final.exists():
            os.chmod(staging, 0o755)
            os.replace(staging, final)  # one atomic rename when there is nothing to merge into
            return
        final.mkdir(parents=True, exist_ok=True)
        for item in sorted(staging.iterdir()):
            os.replace(item, final / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def git_commit() -> str | None:
    """The commit of the working directory, for lineage records (None outside a git checkout)."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
