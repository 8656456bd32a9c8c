"""Shared test set-up: quiet TensorFlow, a headless Matplotlib, and an offline data cache.

The data cache is seeded from ``../shared/data`` (the byte-exact UCI file kept beside the
repository) into a temporary folder, unless ``BANKNOTE_GD_DATA`` already points at a folder
holding a verified copy. No test touches the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("BANKNOTE_GD_PROGRESS", "0")

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def banknote_data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data cache folder that holds the verified data file, exported as BANKNOTE_GD_DATA."""
    from banknote_gd import data

    existing = os.environ.get(data.ENV_VAR)
    if existing and (Path(existing) / data.DATA_FILENAME).is_file():
        data.data_path(data_home=existing, download=False)  # verifies the hash
        return Path(existing)
    if not (SHARED_DATA / data.DATA_FILENAME).is_file():
        pytest.exit(
            f"No data for the tests: {SHARED_DATA} has no {data.DATA_FILENAME} and "
            f"{data.ENV_VAR} is not set to a folder holding it.",
            returncode=2,
        )
    home = tmp_path_factory.mktemp("banknote-data")
    data.seed_data_cache(SHARED_DATA, data_home=home)
    os.environ[data.ENV_VAR] = str(home)
    return home


@pytest.fixture(scope="session")
def built_site(
    tmp_path_factory: pytest.TempPathFactory, banknote_data_home: Path
) -> tuple[Path, str]:
    """Build the site once for the slow tests that need it; return its folder and the log."""
    site = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    return site, log
