"""One error type for everything a user can get wrong, so the CLI can print one clean line and exit 2."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(parts: Iterable[str | int], root: str = "$") -> str:
    """Render a JSON path (`$[3].function.parameters`) the way users read it in error messages."""
    out = [root]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


class AgentftError(Exception):
    """A user-facing error: `file: $.json.path: what is wrong`."""

    def __init__(self, message: str, *, file: str | Path | None = None, path: str | None = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = "".join(f"{p}: " for p in (self.file, self.path) if p)
        return f"{prefix}{self.message}"

    def located(self, file: str | Path | None = None, prefix: Iterable[str | int] = ()) -> AgentftError:
        """Re-anchor an error raised on an inner object to the file and path the user wrote."""
        prefix = list(prefix)
        path = self.path
        if prefix:
            inner = (self.path or "$")[1:]
            path = json_path(prefix) + inner
        return AgentftError(self.message, file=file if file is not None else self.file, path=path)
