"""Benchmark: cold first sweeps, and a large sweep serial vs a local pool vs a Dask cluster.

Run from a checkout with the ``dask`` extra installed (``pip install -e ".[dask]"``) and the
data cached::

    python benchmarks/bench_cluster.py                 # the explorer-sized grid (25,920 runs)
    python benchmarks/bench_cluster.py --grid medium   # a subset (documented below), faster

It prints, from one run on one machine:

1. **Cold start.** The course's learning-rate sweep (0.01, 0.05, 0.1, 0.5; batch 16;
   10 epochs; standardised) with 10 seeds, as the first sweep of a fresh process (TensorFlow
   already imported, the data loaded: every approach pays those alike), with the engine's
   current strategy (one trace per update rule, no XLA) and with the old one (XLA compiled per
   shape: ``banknote_gd.engine.XLA = True``), next to the course's own loop (clear the
   session, build, compile, ``fit`` per configuration). The README's figure for the first
   engine (AutoGraph + XLA, 1.547 s on 2026-11-22) is printed too, as measured then.
2. **Scaling.** The same large grid trained serially in a fresh process (TensorFlow's own
   threads), then on a local pool (``banknote_gd.executors.local_pool``) and on a Dask
   ``LocalCluster`` of 1 and of 2 single-threaded worker processes, each from cold (worker
   start, TensorFlow import and tracing included): seconds, runs per second, speed-up over
   1 worker of the same kind and efficiency per worker (speed-up / workers). Every frame is
   checked to be identical to the serial one.

3. **Repeated pairs** (``--pairs N``): N more runs of the local pool, 1 worker then 2 workers
   back to back, each pair's ratio and their median. On a shared machine one pair can be
   spoilt by another job; the median of side-by-side pairs is the honest figure.

Grids: ``explorer``: 6 optimizers (sgd, momentum, nesterov, adagrad, rmsprop, adam) x 12
learning rates (1, 2, 5 per decade over four decades, each optimizer its own range) x batch
sizes 1, 16, 32, 64, 128 and 960 (full) x 3 schedules (constant, step, cosine) x raw and
standardised x 10 seeds, 10 epochs each: 25,920 runs. ``medium``: the same with 3 seeds
(7,776 runs).

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
SEEDS = {"explorer": 10, "medium": 3}


def _rates(first: int) -> list[float]:
    return [float(f"{m}e{e}") for e in range(first, first + 4) for m in (1, 2, 5)]


def explorer_grid() -> list[dict]:
    """One grid per optimizer (each has its own learning-rate range): a list of grids."""
    ranges = {"sgd": -2, "momentum": -3, "nesterov": -3, "adagrad": -2, "rmsprop": -3, "adam": -3}
    return [
        {
            "optimizer": [name],
            "learning_rate": _rates(first),
            "batch_size": [1, 16, 32, 64, 128, 960],
            "schedule": ["constant", "step", "cosine"],
            "standardize": [False, True],
        }
        for name, first in ranges.items()
    ]


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


def serial_child(name: str, out: str) -> None:
    """In a fresh process: the large grid, serially, from cold."""
    from banknote_gd import training

    training._split_for(True, 0.0, 42)
    start = time.perf_counter()
    frame = _sweep(explorer_grid(), SEEDS[name])
    seconds = time.perf_counter() - start
    frame.to_parquet(out)
    print(json.dumps({"seconds": seconds}))


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pool_seconds(name: str, workers: int, reference=None) -> float:
    """The large grid on a fresh local pool of ``workers`` processes, from cold."""
    import pandas as pd

    from banknote_gd.executors import local_pool

    start = time.perf_counter()
    with local_pool(workers) as pool:
        frame = _sweep(explorer_grid(), SEEDS[name], executor=pool)
    seconds = time.perf_counter() - start
    if reference is not None:
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    return seconds


def pairs(name: str, count: int) -> list[float]:
    """``count`` side-by-side pairs: 1 worker, then 2; the speed-up of each pair."""
    ratios = []
    for i in range(count):
        one, two = _pool_seconds(name, 1), _pool_seconds(name, 2)
        ratios.append(one / two)
        print(
            f"  pair {i + 1}: 1 worker {one:.1f} s, 2 workers {two:.1f} s, "
            f"speed-up {one / two:.2f}x (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return ratios


def scaling(name: str, tmp: Path, dask: bool = True) -> list[tuple[str, int, float]]:
    """Serial (fresh process), then a local pool and a Dask cluster of 1 and of 2 workers."""
    import pandas as pd

    from banknote_gd.frames import normalize_history

    if dask:
        from dask.distributed import Client, LocalCluster

    serial = _child("--serial-child", name, str(tmp / "serial.parquet"))["seconds"]
    reference = normalize_history(pd.read_parquet(tmp / "serial.parquet"))
    rows = [("serial, one process", 1, serial)]
    print(f"  serial: {serial:.1f} s", flush=True)
    for workers in (1, 2):
        rows.append(("local process pool", workers, _pool_seconds(name, workers, reference)))
        print(f"  local pool ({workers}): {rows[-1][2]:.1f} s", flush=True)
    for workers in (1, 2) if dask else ():
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            start = time.perf_counter()
            frame = _sweep(explorer_grid(), SEEDS[name], executor=client.get_executor())
            rows.append(("Dask LocalCluster", workers, time.perf_counter() - start))
        print(f"  Dask LocalCluster ({workers}): {rows[-1][2]:.1f} s", flush=True)
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    return rows


def main() -> None:
    if "--cold-child" in sys.argv:
        return cold_child(sys.argv[-1] == "xla")
    if "--serial-child" in sys.argv:
        return serial_child(sys.argv[-2], sys.argv[-1])
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
    runs = (
        sum(
            len(g["learning_rate"]) * len(g["batch_size"]) * len(g["schedule"]) * 2
            for g in explorer_grid()
        )
        * SEEDS[args.grid]
    )
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
