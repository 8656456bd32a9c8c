"""Benchmark: a cold build of the course site, then a rebuild with nothing changed.

Run from the repository root, in the environment ``make setup`` makes (or ``make bench``)::

    python benchmarks/bench_site.py

In one run it

1. removes what the build caches: the executed notebooks (``docs/lessons``), their cache keys
   (``.cache/lessons``), mkdocs-jupyter's rendered pages (``.cache/mkdocs-jupyter``), the
   explorer's data and runs (``.cache/explorer``) and the package's sweep results
   (``BANKNOTE_GD_CACHE``, by default ``.cache/sweeps``), then times ``mkdocs build
   --strict``: every lesson executed, every sweep trained, the explorer's grid included;
2. times the same build again: every lesson taken from the cache;

and prints both with their targets (cold <= 90 s, rebuild <= 15 s on 2 cores). Other work on
the machine slows the lessons down: the load average is printed with the results. The data
file and the vendored MathJax are kept: they are fetched once per machine, not per build. The
site is built into a temporary folder. Exits non-zero if a build fails, not if a target is
missed.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 90.0, "rebuild": 15.0}


def build(site: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{log[-4000:]}")
    return seconds, log


def main() -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.setdefault("BANKNOTE_GD_DATA", str(ROOT / ".cache" / "data"))
    env.pop("BANKNOTE_GD_REEXECUTE", None)
    sweeps = Path(env.get("BANKNOTE_GD_CACHE", ROOT / ".cache" / "sweeps"))
    for folder in (
        ROOT / "docs" / "lessons",
        ROOT / ".cache" / "lessons",
        ROOT / ".cache" / "mkdocs-jupyter",
        ROOT / ".cache" / "explorer",
        sweeps,
    ):
        shutil.rmtree(folder, ignore_errors=True)

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        cold, cold_log = build(Path(tmp) / "cold", env)
        rebuild, rebuild_log = build(Path(tmp) / "rebuild", env)

    print(
        f"site build benchmark: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f} before the run"
    )
    for line in cold_log.splitlines():
        if re.search(r"lesson \S+ executed in|lessons: |explorer: .* computed,", line):
            print("  cold   |", line.split(" -  ", 1)[-1])
    cached = len(re.findall(r"lesson \S+ is up to date", rebuild_log))
    print(f"  rebuild| {cached} lessons taken from the cache")
    if re.search(r"lesson \S+ executed in", rebuild_log):
        print("  rebuild| some lessons ran again: their inputs changed during the benchmark")
    for name, seconds in (("cold", cold), ("rebuild", rebuild)):
        target = TARGETS[name]
        verdict = "ok" if seconds <= target else "OVER TARGET"
        print(f"{name:>8} build: {seconds:6.1f} s   (target <= {target:.0f} s, 2 cores: {verdict})")


if __name__ == "__main__":
    main()
