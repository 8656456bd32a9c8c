"""Sweeps on a Dask cluster: the same frame as the serial sweep, and no run lost to a dead worker.

Slow (starts a local cluster of two worker processes): run with ``pytest -m slow``.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd.cli import main
from banknote_gd.frames import RUN_COLUMNS

distributed = pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.slow

GRID = {
    "optimizer": ["sgd", "adam"],
    "learning_rate": [0.01, 0.03, 0.1, 0.3, 1.0],
    "batch_size": [32, 128],
}
SEEDS = 10  # 2 x 5 x 2 configurations x 10 seeds = 200 runs
EPOCHS = 2
ORDER = [*RUN_COLUMNS, "epoch", "split", "metric"]


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


@pytest.fixture(scope="module")
def serial():
    return bgd.sweep(GRID, seeds=SEEDS, epochs=EPOCHS)


def test_sweep_on_dask_equals_the_serial_sweep(cluster, serial):
    _, client = cluster
    frame = bgd.sweep(GRID, seeds=SEEDS, epochs=EPOCHS, executor=client.get_executor())
    assert frame.groupby(list(RUN_COLUMNS)).ngroups == 200
    pd.testing.assert_frame_equal(frame, serial, check_exact=True)


def test_cli_scheduler_writes_the_serial_results(cluster, serial, tmp_path, capsys):
    local, _ = cluster
    out = tmp_path / "sweep.csv"
    argv = ["sweep", *(f"{k}={','.join(map(str, v))}" for k, v in GRID.items())]
    argv += ["--seeds", str(SEEDS), "--epochs", str(EPOCHS), "--out", str(out)]
    assert main([*argv, "--scheduler", local.scheduler_address, "--no-progress"]) == 0
    written = bgd.read_results(out).sort_values(ORDER).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        written, serial.sort_values(ORDER).reset_index(drop=True), check_exact=True
    )


KILL_EPOCHS = 40  # chunks that run for seconds, so the kill lands in the middle of one


def test_a_killed_worker_loses_nothing(cluster, tmp_path):
    _, client = cluster
    serial = bgd.sweep(GRID, seeds=SEEDS, epochs=KILL_EPOCHS)
    out = tmp_path / "sweep.parquet"
    result: dict = {}

    def run() -> None:
        try:
            result["frame"] = bgd.sweep(
                GRID, seeds=SEEDS, epochs=KILL_EPOCHS, executor=client.get_executor(), out=out
            )
        except BaseException as error:  # handed to the test thread below
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not client.processing() or not any(client.processing().values()):
        assert time.monotonic() < deadline, "no task started on the cluster"
        time.sleep(0.01)
    busy = next(addr for addr, tasks in client.processing().items() if tasks)
    pid = client.run(os.getpid, workers=[busy])[busy]
    os.kill(pid, signal.SIGKILL)  # the worker dies in the middle of its chunk
    thread.join(timeout=110)
    assert not thread.is_alive(), "the sweep did not finish after a worker was killed"
    assert "error" not in result, result.get("error")
    pd.testing.assert_frame_equal(result["frame"], serial, check_exact=True)
    kept = bgd.read_results(out)
    assert kept.groupby(list(RUN_COLUMNS)).ngroups == 200
    assert len(kept) == len(serial)  # every run once: none lost, none written twice
