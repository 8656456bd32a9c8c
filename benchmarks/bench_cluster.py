"""Benchmark: cold first sweeps, and a large sweep serial vs a local pool vs a Dask cluster.

Run from a checkout with the ``dask`` extra installed (``pip install -e ".[dask]"``) and the
data cached::

    python benchmarks/bench_cluster.py                 # the explorer's grid (36,720 runs)
    python benchmarks/bench_cluster.py --grid medium   # a subset (documented below), faster

It prints, from one run on one machine:

1. **Cold start.** The course's learning-rate sweep (0.01, 0.05, 0.1, 0.5; batch 16;
   10 epochs; standardised) with 10 seeds, as the first sweep of a fresh process (TensorFlow
   already imported, the data loaded: every approach pays those alike), with the engine's
   current strategy (one trace per update rule, no XLA) and with the old one (XLA compiled per
   shape: ``banknote_gd.engine.XLA = True``), next to the course's own loop (clear the
   session, build, compile, ``fit`` per configuration). The README's figure for the first
   engine (AutoGraph + XLA, 1.547 s on 2026-11-22) is printed too, as measured then.
2. **Scaling.** The same large grid trained serially (TensorFlow's own threads), then on a
   local pool (``banknote_gd.executors.local_pool``, created inside the timing: its
   processes start and import TensorFlow) and on a Dask ``LocalCluster`` (started before
   the timing, as a running cluster would be) of 1 and of 2 single-threaded worker
   processes. Each is timed in a fresh client process that has, like a learner's session,
   imported the package, TensorFlow and Keras and loaded the data, and nothing else: no
   trace, no learning-rate table. Printed: seconds, runs per second, speed-up over 1 worker
   of the same kind and efficiency per worker (speed-up / workers). Every frame is checked
   to be identical to the serial one.

3. **Repeated pairs** (``--pairs N``): N more runs of the local pool, 1 worker then 2 workers
   back to back, each pair's ratio and their median. On a shared machine one pair can be
   spoilt by another job; the median of side-by-side pairs is the honest figure.

Grids: ``explorer``: the site explorer's own grid (``banknote_gd.explorer.EXPLORER_GRID``:
6 optimizers x 17 learning rates, each optimizer its own four decades, x batch sizes 1, 16,
32, 64, 128 and 960 (full) x 3 schedules x raw and standardised = 3,672 configurations)
x 10 seeds, 10 epochs each: 36,720 runs, as one sweep. ``medium``: the same with 3 seeds
(11,016 runs). ``large``: the same with 30 seeds (110,160 runs), for the scaling target
("2 workers >= 1.6x one on a large grid"): what a worker pays once (starting, importing
TensorFlow, compiling) and what only the client does (building and ordering the rows) stay
about 10 s whatever the grid, and weigh less as the grid grows.

Timings are wall-clock seconds on a machine that may be shared: the ratios in one run are
measured side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("BANKNOTE_GD_PROGRESS", "0")
sys.path.insert(0, str(Path(__file__).parent))

COURSE = {"learning_rate": [0.01, 0.05, 0.1, 0.5]}
OLD_COLD_SECONDS = 1.547  # README, 2026-11-22: AutoGraph + XLA per shape, 40 trainings
SEEDS = {"explorer": 10, "medium": 3, "large": 30}


def explorer_grid() -> list[dict]:
    """The site explorer's grid (``banknote_gd.explorer.EXPLORER_GRID``) as one list of
    grids, one per optimizer (each has its own learning-rate range)."""
    from banknote_gd.explorer import EXPLORER_GRID

    return [EXPLORER_GRID.sweep_grid(name, 960) for name in EXPLORER_GRID.optimizers]


def _sweep(grid, seeds, **kwargs):
    import banknote_gd as bgd

    return bgd.sweep(grid, seeds=seeds, epochs=10, progress=False, cache=False, **kwargs)


def cold_child(xla: bool) -> None:
    """In a fresh process: the first course sweep (TensorFlow imported, data loaded)."""
    import banknote_gd as bgd
    from banknote_gd import engine, training

    training._split_for(True, 0.0, 42)
    import tensorflow  # noqa: F401

    engine.XLA = xla
    start = time.perf_counter()
    _sweep(COURSE, 10, batch_size=16)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    _sweep(COURSE, 10, batch_size=16)
    print(json.dumps({"cold": cold, "warm": time.perf_counter() - start, "v": bgd.__version__}))


def _prepare_client() -> None:
    """What a learner's session has before its sweep: the package, TensorFlow and Keras
    imported, the data loaded. Nothing traced, no learning-rate table computed."""
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    from banknote_gd import training

    training._split_for(True, 0.0, 42)
    training._split_for(False, 0.0, 42)


def run_child(name: str, kind: str, workers: int, out: str) -> None:
    """In a fresh process: the large grid, serially, on a local pool or on a Dask cluster.

    The pool is created inside the timing (its processes start and import TensorFlow); the
    Dask cluster is started before it (it stands for a cluster that is already running).
    """
    _prepare_client()
    if kind == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    start = time.perf_counter()
    if kind == "serial":
        frame = _sweep(explorer_grid(), SEEDS[name])
    elif kind == "pool":
        from banknote_gd.executors import local_pool

        with local_pool(workers) as pool:
            frame = _sweep(explorer_grid(), SEEDS[name], executor=pool)
    else:
        frame = _sweep(explorer_grid(), SEEDS[name], executor=client.get_executor())
    seconds = time.perf_counter() - start
    if kind == "dask":
        client.close()
        cluster.close()
    if out:
        frame.to_parquet(out)
    print(json.dumps({"seconds": seconds}))


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _timed(name: str, kind: str, workers: int, tmp: Path | None = None, reference=None) -> float:
    """Seconds for the large grid in a fresh process; its frame checked against ``reference``."""
    import pandas as pd

    from banknote_gd.frames import normalize_history

    out = "" if tmp is None else str(tmp / f"{kind}{workers}.parquet")
    seconds = _child("--run-child", name, kind, str(workers), out)["seconds"]
    if reference is not None:
        frame = normalize_history(pd.read_parquet(out))
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    return seconds


def pairs(name: str, count: int) -> list[float]:
    """``count`` side-by-side pairs: 1 worker, then 2; the speed-up of each pair."""
    ratios = []
    for i in range(count):
        one, two = _timed(name, "pool", 1), _timed(name, "pool", 2)
        ratios.append(one / two)
        print(
            f"  pair {i + 1}: 1 worker {one:.1f} s, 2 workers {two:.1f} s, "
            f"speed-up {one / two:.2f}x (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return ratios


def scaling(name: str, tmp: Path, dask: bool = True) -> list[tuple[str, int, float]]:
    """Serial, then a local pool and a Dask cluster of 1 and of 2 workers, each in a fresh
    process; every frame checked against the serial one."""
    import pandas as pd

    from banknote_gd.frames import normalize_history

    serial = _timed(name, "serial", 1, tmp)
    reference = normalize_history(pd.read_parquet(tmp / "serial1.parquet"))
    rows = [("serial, one process", 1, serial)]
    print(f"  serial: {serial:.1f} s", flush=True)
    kinds = [("local process pool", "pool")] + ([("Dask LocalCluster", "dask")] if dask else [])
    for label, kind in kinds:
        for workers in (1, 2):
            rows.append((label, workers, _timed(name, kind, workers, tmp, reference)))
            print(f"  {label} ({workers}): {rows[-1][2]:.1f} s", flush=True)
    return rows


def main() -> None:
    if "--cold-child" in sys.argv:
        return cold_child(sys.argv[-1] == "xla")
    if "--run-child" in sys.argv:
        name, kind, workers, out = sys.argv[sys.argv.index("--run-child") + 1 :]
        return run_child(name, kind, int(workers), out)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=tuple(SEEDS), default="explorer")
    parser.add_argument("--skip-scaling", action="store_true", help="only the cold start")
    parser.add_argument("--skip-cold", action="store_true", help="only the scaling")
    parser.add_argument("--skip-dask", action="store_true", help="no Dask LocalCluster rows")
    parser.add_argument(
        "--pairs", type=int, default=0, help="more 1-then-2-worker local pool pairs (median)"
    )
    args = parser.parse_args()

    import tempfile

    import tensorflow as tf
    from bench_engine import course_loop

    import banknote_gd as bgd

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"banknote-gd {bgd.__version__}"
    )
    if not args.skip_cold:
        after, before = _child("--cold-child", "noxla"), _child("--cold-child", "xla")
        course = course_loop() / 4
        print("\n1. cold first sweep: the course's LR sweep, 4 rates x 10 seeds = 40 trainings")
        print(f"{'':52}{'seconds':>9}{'ms/training':>13}{'vs course':>11}")
        lines = [
            ("course loop (clear/build/compile/fit), per config", course * 4, 4),
            ("before: XLA per shape (engine.XLA = True), cold", before["cold"], 40),
            ("before: XLA per shape, warm (second sweep)", before["warm"], 40),
            ("after: one trace, no XLA, cold", after["cold"], 40),
            ("after: one trace, no XLA, warm (second sweep)", after["warm"], 40),
        ]
        for label, seconds, count in lines:
            per = seconds / count
            print(f"{label:52}{seconds:>9.3f}{1000 * per:>13.2f}{course / per:>10.1f}x")
        print(
            f"{'before, as measured 2026-11-22 (README; AutoGraph+XLA)':52}{OLD_COLD_SECONDS:>9.3f}"
            f"{1000 * OLD_COLD_SECONDS / 40:>13.2f}{'45.0':>10}x  (vs that day's course loop)"
        )
        ratio = course / (after["cold"] / 40)
        print(
            f"target: cold >= 60x the course loop per training: {ratio:.1f}x "
            f"{'met' if ratio >= 60 else 'MISSED'}"
        )
    if args.skip_scaling:
        return
    from banknote_gd.explorer import EXPLORER_GRID

    runs = EXPLORER_GRID.n_configs * SEEDS[args.grid]
    print(f"\n2. scaling ({args.grid}): training...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = scaling(args.grid, Path(tmp), dask=not args.skip_dask)
    ratios = pairs(args.grid, args.pairs)
    print(f"\n2. scaling: grid {args.grid!r}, {runs} runs of 10 epochs, each from cold")
    print("speed-up and efficiency: against 1 worker of the same kind (1 thread each)")
    print(f"{'':24}{'workers':>8}{'seconds':>10}{'runs/s':>9}{'speed-up':>10}{'eff./worker':>13}")
    one = {label: seconds for label, workers, seconds in rows if workers == 1}
    for label, workers, seconds in rows:
        speedup = one[label] / seconds
        print(
            f"{label:24}{workers:>8}{seconds:>10.1f}{runs / seconds:>9.0f}{speedup:>9.2f}x"
            f"{speedup / workers:>12.0%}"
        )
    best = max(one[label] / s for label, w, s in rows if w == 2)
    print(f"target: 2 workers >= 1.6x one: {best:.2f}x {'met' if best >= 1.6 else 'MISSED'}")
    if ratios:
        ratios.append(one["local process pool"] / rows[2][2])
        median = statistics.median(ratios)
        print(
            f"local pool, {len(ratios)} side-by-side pairs (the table's and --pairs): speed-ups "
            f"{', '.join(f'{r:.2f}x' for r in ratios)}; median {median:.2f}x "
            f"{'met' if median >= 1.6 else 'MISSED'}"
        )
    print("frames identical to the serial sweep: yes (checked exactly)")


if __name__ == "__main__":
    main()
