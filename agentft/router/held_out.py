"""The router's held-out steps: every file in `router/held_out/`, never trained on (see its README for how and when
each was written). A glob, not a hand-kept list, so a new file is scored the moment it is committed."""

from __future__ import annotations

import re
from pathlib import Path

HELD_OUT_DIR = Path("router/held_out")


def held_out_files(folder: str | Path = HELD_OUT_DIR) -> list[Path]:
    """The folder's JSONL files, `sealed2` before `sealed10`."""

    def key(path: Path) -> tuple[str, int]:
        match = re.match(r"(\D*)(\d*)", path.stem)
        return match.group(1), int(match.group(2) or 0)

    return sorted(Path(folder).glob("*.jsonl"), key=key)
