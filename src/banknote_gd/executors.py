"""Run a sweep's groups on any ``concurrent.futures.Executor``: a local process pool or Dask.

:func:`banknote_gd.sweep` hands its groups (:class:`banknote_gd.engines.Task`) to
:func:`run_tasks`. Without an executor they run here, one after the other. With one, they
are split into chunks so that every worker gets balanced work, submitted largest first, and
each finished chunk is handed back as soon as it arrives (the sweep writes it to its results
file at once, so nothing finished is lost). A chunk whose worker dies is submitted again:

* a ``concurrent.futures.ProcessPoolExecutor`` whose process died is *broken* and takes no
  more work; a new pool of the same size (and start method) replaces it;
* on Dask (``dask.distributed.Client(...).get_executor()``), the scheduler itself re-runs the
  tasks of a lost worker; a task that killed too many workers (``KilledWorker``) is
  submitted again here.

Every run's numbers depend only on its seed and its configuration, never on the chunk it was
trained in or on the worker, so a sweep on an executor equals the serial sweep exactly.

Examples
--------
>>> from concurrent.futures import ProcessPoolExecutor  # doctest: +SKIP
>>> import banknote_gd as bgd  # doctest: +SKIP
>>> with local_pool(2) as pool:  # doctest: +SKIP
...     frame = bgd.sweep({"learning_rate": [0.01, 0.1]}, seeds=10, executor=pool)
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import pandas as pd

from . import engines
from .engines import Task, TaskResult

__all__ = [
    "MAX_ATTEMPTS",
    "balance",
    "dask_executor",
    "executor_workers",
    "local_pool",
    "run_tasks",
]

MAX_ATTEMPTS = 3
"""How often one chunk is submitted before its failure is raised."""

CHUNKS_PER_WORKER = 4
"""Target number of chunks per worker: enough for the largest-first order to even out."""

_RETRIED = {"KilledWorker", "CommClosedError", "FutureCancelledError", "CancelledError"}


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes, started with ``spawn`` (TensorFlow does not
    survive ``fork``).

    Examples
    --------
    >>> with local_pool(2) as pool:  # doctest: +SKIP
    ...     pool.submit(sum, [1, 2]).result()
    3
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}.")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def dask_executor(address: str):
    """Connect to the Dask scheduler at ``address``; return ``(client, executor)``.

    Needs the optional extra: ``pip install "banknote-gd[dask]"``.

    Examples
    --------
    >>> client, executor = dask_executor("tcp://127.0.0.1:8786")  # doctest: +SKIP
    """
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ImportError(
            'Sweeping on a Dask cluster needs dask.distributed: pip install "banknote-gd[dask]".'
        ) from error
    client = Client(address)
    return client, client.get_executor()


def executor_workers(executor: Executor | None) -> int:
    """How many tasks ``executor`` runs at once (1 without an executor).

    Examples
    --------
    >>> executor_workers(None)
    1
    """
    if executor is None:
        return 1
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return int(getattr(executor, "_max_workers", None) or os.cpu_count() or 1)


def balance(tasks: Sequence[Task], workers: int) -> list[Task]:
    """Cut the groups into chunks for ``workers`` workers; return them largest first.

    The largest chunk is halved while there are fewer chunks than workers, or while halving
    pays: when each half costs at most 3/4 of the whole (work that grows with the members,
    not the fixed cost of each update), up to :data:`CHUNKS_PER_WORKER` chunks per worker.
    With one worker the groups stay whole. Costs come from each engine's ``cost``.
    """
    if workers <= 1:
        return list(tasks)

    def cost(task: Task) -> float:
        return engines.get_engine(task.engine).cost(task.split, task.configs)

    chunks = [(cost(t), t) for t in tasks]
    while chunks:
        chunks.sort(key=lambda pair: -pair[0])
        whole, task = chunks[0]
        if len(task) < 2 or len(chunks) >= CHUNKS_PER_WORKER * workers:
            break
        halves = [(cost(h), h) for h in task.chunks(2)]
        if len(chunks) >= workers and max(c for c, _ in halves) > 0.75 * whole:
            break
        chunks[:1] = halves
    return [task for _, task in chunks]


def _retriable(error: BaseException) -> bool:
    return isinstance(error, BrokenProcessPool) or type(error).__name__ in _RETRIED


def _renew(executor: Executor, owned: list[Executor]) -> Executor:
    """A working replacement for a broken process pool (same size and start method)."""
    if isinstance(executor, ProcessPoolExecutor):
        executor.shutdown(wait=False, cancel_futures=True)
        fresh = ProcessPoolExecutor(executor._max_workers, mp_context=executor._mp_context)
        owned.append(fresh)
        return fresh
    return executor


def run_tasks(
    tasks: Sequence[Task],
    executor: Executor | None,
    on_result: Callable[[Task, pd.DataFrame | TaskResult], None],
) -> None:
    """Train every task, in this process or on ``executor``; call ``on_result`` as each ends.

    ``on_result`` gets what :func:`banknote_gd.engines.run_task` returns: the vectorised
    engine's metric arrays (:class:`banknote_gd.engines.TaskResult`, small to send back; the
    client builds the frame), or a frame from the other engines.

    Raises
    ------
    Exception
        The error of a task that failed for another reason than a lost worker, or that lost
        its worker :data:`MAX_ATTEMPTS` times.
    """
    if executor is None:
        for task in tasks:
            on_result(task, engines.run_task(task))
        return
    owned: list[Executor] = []
    attempts = dict.fromkeys(range(len(tasks)), 0)
    pending: dict[Future, int] = {}
    try:
        for i in range(len(tasks)):
            executor = _submit(executor, tasks, i, pending, attempts, owned)
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in finished:
                i = pending.pop(future)
                error = future.exception()
                if error is None:
                    on_result(tasks[i], future.result())
                elif _retriable(error) and attempts[i] < MAX_ATTEMPTS:
                    executor = _submit(executor, tasks, i, pending, attempts, owned)
                else:
                    raise error
    finally:
        for future in pending:
            future.cancel()
        for pool in owned:
            pool.shutdown(wait=False, cancel_futures=True)


def _submit(executor, tasks, i, pending, attempts, owned) -> Executor:
    """Submit task ``i``; if the pool is broken, replace it (and resubmit what was lost)."""
    attempts[i] += 1
    try:
        pending[executor.submit(engines.run_task, tasks[i], 1)] = i
        return executor
    except BrokenProcessPool:
        executor = _renew(executor, owned)
        pending[executor.submit(engines.run_task, tasks[i], 1)] = i
        return executor
