"""An on-disk cache of sweep results, so a rebuild with nothing changed does not retrain.

A sweep's result is stored under a key made of everything that could change it: the full list
of configurations and seeds, the engine, the package's source (a hash of its files, so an
edit retrains even without a version bump), the data file's SHA-256, and the versions of
Python, NumPy, TensorFlow and Keras.

Folder: the environment variable ``BANKNOTE_GD_CACHE`` if set, else ``sweeps/`` inside the
per-user cache folder ``pooch.os_cache("banknote-gd")``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["cache_dir", "cache_key", "clear_cache"]

ENV_VAR = "BANKNOTE_GD_CACHE"


def cache_dir() -> Path:
    """The folder that holds cached sweep results.

    Examples
    --------
    >>> cache_dir().name  # doctest: +SKIP
    'sweeps'
    """
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import pooch

    return Path(pooch.os_cache("banknote-gd")) / "sweeps"


@lru_cache(maxsize=1)
def source_hash() -> str:
    """SHA-256 over the package's own Python files (names and bytes)."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    import keras
    import numpy
    import tensorflow

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
    }


def cache_key(payload: dict[str, Any]) -> str:
    """Hash ``payload`` together with the package source, the data hash and the versions.

    Examples
    --------
    >>> len(cache_key({"runs": []}))  # doctest: +SKIP
    64
    """
    from .data import DATA_SHA256

    full = {"payload": payload, "source": source_hash(), "data": DATA_SHA256, **_versions()}
    text = json.dumps(full, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load(key: str) -> pd.DataFrame | None:
    """Return the frame cached under ``key``, or ``None``."""
    path = cache_dir() / f"{key}.parquet"
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):  # a damaged entry is a miss, never a wrong answer
        return None


def store(key: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` under ``key`` (atomically: a reader never sees half a file)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.parquet"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def clear_cache() -> int:
    """Delete every cached sweep result; return how many were deleted.

    Examples
    --------
    >>> clear_cache()  # doctest: +SKIP
    3
    """
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.parquet"):
        path.unlink()
        removed += 1
    return removed
