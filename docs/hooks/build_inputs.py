"""What the hooks' caches depend on: the package's source, the data file, library versions.

Shared by ``execute_lessons.py`` (the lessons' cache keys) and ``explorer.py`` (the explorer
data's key): each key hashes :func:`build_inputs` with what is its own.
"""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata
from pathlib import Path

from mkdocs.exceptions import PluginError


def build_inputs(root: Path, versions: tuple[tuple[str, ...], ...], *, needed_by: str) -> dict:
    """The package source's digest, the data file's expected and actual SHA-256, and the
    versions of Python and of each ``versions`` entry (a tuple of alternative names, e.g.
    ``("tensorflow", "tensorflow-cpu")``). ``needed_by`` names the caller in errors."""
    try:
        from banknote_gd import data as bgd_data
    except Exception as error:
        raise PluginError(f"cannot import banknote_gd to find its data file: {error}") from error
    try:
        data_file = bgd_data.data_path()  # verifies the hash; downloads on first use
    except Exception as error:
        raise PluginError(
            f"{needed_by} need the banknote data file: {error} "
            "(seed the cache with `banknote-gd data --from PATH`, or set BANKNOTE_GD_DATA)"
        ) from error
    found = {"python": sys.version}
    for names in versions:
        found[names[0]] = installed_version(*names)
    return {
        "src": source_digest(root / "src" / "banknote_gd"),
        "data_expected": bgd_data.DATA_SHA256,
        "data_actual": hashlib.sha256(data_file.read_bytes()).hexdigest(),
        "versions": found,
    }


def source_digest(src: Path) -> str:
    """SHA-256 over every file under ``src`` (paths and contents; no bytecode)."""
    digest = hashlib.sha256()
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(src).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def installed_version(*names: str) -> str:
    """The installed version of the first of ``names`` that is installed."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"
