"""Run a sweep's groups on any ``concurrent.futures.Executor``: a local process pool or Dask.

:func:`banknote_gd.sweep` hands its groups (:class:`banknote_gd.engines.Task`) to
:func:`run_tasks`. Without an executor they run here, one after the other. With one, they
are split into chunks so that every worker gets balanced work (:func:`balance`), and one
chunk at a time goes to each free worker: one of an update rule the worker has already
traced and compiled, while any is left (so two workers compile half the rules each, not
all of them twice), else the largest of a rule no other worker is on. Each finished chunk
is handed back as soon as it arrives (the sweep writes it to its results file at once, so
nothing finished is lost). A chunk whose worker dies is submitted again:

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
import socket
from collections.abc import Callable, Sequence, Set
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

    The processes start at once and import TensorFlow (one thread each) while the caller
    prepares its sweep, instead of on the first task.

    Examples
    --------
    >>> with local_pool(2) as pool:  # doctest: +SKIP
    ...     pool.submit(sum, [1, 2]).result()
    3
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}.")
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_prepare_worker
    )
    for _ in range(workers):  # each submission starts one process
        pool.submit(int)
    return pool


def _prepare_worker() -> None:
    """Import TensorFlow in a new worker process and give it one thread."""
    engines._limit_threads(1)


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

    On an executor, as many tasks run at once as it has workers (counted again as tasks end
    and every second, so workers that join a cluster get work), and each worker that
    finishes a task gets the next one at once: one whose affinity key (what a worker traces
    and compiles once, :meth:`banknote_gd.engines.Engine.affinity`) it has already prepared
    if any is left, else one of a key no busy worker is preparing, largest first. So a
    worker compiles only its share of the update rules, not every one.

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
    queue = _Queue(tasks)
    state = _Dispatch(executor, queue, tasks)
    try:
        state.fill()
        while state.pending:
            finished, _ = wait(list(state.pending), timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                i = state.pending.pop(future)
                error = future.exception()
                if error is None:
                    worker, result = future.result()
                    state.known.setdefault(worker, set()).add(queue.keys[i])
                    state.submit_next(state.known[worker])  # before the client's own work
                    on_result(tasks[i], result)
                elif _retriable(error) and state.attempts[i] < MAX_ATTEMPTS:
                    queue.put(i)
                    state.submit_next(frozenset())
                else:
                    raise error
            state.fill()  # a worker that joined the cluster gets work within a second
    finally:
        state.close()


def _work(task: Task) -> tuple[str, pd.DataFrame | TaskResult]:
    """What a worker runs: ``task`` on one TensorFlow thread; and which process trained it
    (traces and compiled functions live in a process)."""
    return f"{socket.gethostname()}:{os.getpid()}", engines.run_task(task, 1)


class _Queue:
    """The tasks still to run, by affinity key; each key's tasks largest first."""

    def __init__(self, tasks: Sequence[Task]) -> None:
        self.keys = [engines.get_engine(t.engine).affinity(t) for t in tasks]
        self.costs = [engines.get_engine(t.engine).cost(t.split, t.configs) for t in tasks]
        self.todo: dict[tuple, list[int]] = {}
        for i in sorted(range(len(tasks)), key=lambda i: -self.costs[i]):
            self.todo.setdefault(self.keys[i], []).append(i)

    def put(self, i: int) -> None:
        """Give task ``i`` back (its worker was lost)."""
        part = self.todo.setdefault(self.keys[i], [])
        part.append(i)
        part.sort(key=lambda j: -self.costs[j])

    def take(self, known: Set[tuple], busy: Set[tuple]) -> int | None:
        """The next task for a worker that has prepared the keys ``known``, while other
        workers run tasks of the keys ``busy``; ``None`` when nothing is left."""
        keys = (
            [k for k in self.todo if k in known]
            or [k for k in self.todo if k not in busy]
            or list(self.todo)
        )
        if not keys:
            return None
        key = max(keys, key=lambda k: sum(self.costs[j] for j in self.todo[k]))
        i = self.todo[key].pop(0)
        if not self.todo[key]:
            del self.todo[key]
        return i


class _Dispatch:
    """The executor, the futures in flight, and what each worker has prepared."""

    def __init__(self, executor: Executor, queue: _Queue, tasks: Sequence[Task]) -> None:
        self.executor, self.queue, self.tasks = executor, queue, tasks
        self.pending: dict[Future, int] = {}
        self.attempts = dict.fromkeys(range(len(tasks)), 0)
        self.known: dict[str, set[tuple]] = {}
        self.owned: list[Executor] = []

    def submit_next(self, known: Set[tuple]) -> None:
        """Submit the next task for a worker that has prepared ``known`` (if any is left)."""
        i = self.queue.take(known, {self.queue.keys[j] for j in self.pending.values()})
        if i is None:
            return
        self.attempts[i] += 1
        try:
            future = self.executor.submit(_work, self.tasks[i])
        except BrokenProcessPool:  # replace the pool (its lost tasks come back as errors)
            self.executor = _renew(self.executor, self.owned)
            future = self.executor.submit(_work, self.tasks[i])
        self.pending[future] = i

    def fill(self) -> None:
        """Give every idle worker a task: keep as many in flight as the executor has workers
        now (a Dask cluster may grow or shrink while the sweep runs)."""
        while self.queue.todo and len(self.pending) < executor_workers(self.executor):
            self.submit_next(frozenset())

    def close(self) -> None:
        for future in self.pending:
            future.cancel()
        for pool in self.owned:
            pool.shutdown(wait=False, cancel_futures=True)
