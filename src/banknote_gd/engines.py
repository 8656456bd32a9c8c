"""Training engines behind one interface, in a registry (as optimizers and schedules are).

An engine trains a *group* of runs (configurations, each with a seed) on one
:class:`banknote_gd.Split` and returns their history as the tidy frame of
:mod:`banknote_gd.frames`. Each engine says which runs it supports and which runs may share a
group; :func:`banknote_gd.sweep` only groups runs, hands the groups (:class:`Task`) to
:func:`run_task`, in this process or on an executor (:mod:`banknote_gd.executors`), and puts
the frames together.

==============  ============================================================================
name            what it does
==============  ============================================================================
``vectorized``  every member of a group at once in one traced TensorFlow function
                (:mod:`banknote_gd.engine`), for optimizers with an update rule there
``fit``         one run at a time with Keras ``model.fit``: the reference, every optimizer
==============  ============================================================================

A new engine is a subclass of :class:`Engine` added to :data:`ENGINES`; ``"auto"`` picks the
first one, in registry order, that supports a run.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import engine as vectorized_engine
from ._checks import check_choice
from ._random import batch_order
from .data import Split
from .frames import METRICS, group_frame
from .parameters import PARAMETER_TABLE
from .schedules import learning_rates, make_schedule

__all__ = [
    "ENGINES",
    "Engine",
    "FitEngine",
    "Task",
    "TaskResult",
    "VectorizedEngine",
    "fit_run",
    "get_engine",
    "pick_engine",
    "run_task",
]


@dataclass(frozen=True)
class Task:
    """A group of runs one engine trains together: the unit of work sent to an executor.

    Attributes
    ----------
    engine
        Registry name of the engine.
    split
        The data (shipped with the task, so a worker needs no data file).
    configs, seeds
        One configuration (as :func:`banknote_gd.parameters.resolve_config` returns it) and
        one seed per run.
    ids
        The runs' positions in the sweep, to put rows back in order.
    rates
        ``{(schedule, learning_rate): learning rate at every update}``, computed once by the
        sweep (rebuilding them from Keras schedules in every worker would repeat the work);
        filled in by the engine when empty.
    """

    engine: str
    split: Split
    configs: tuple[dict[str, Any], ...]
    seeds: tuple[int, ...]
    ids: tuple[int, ...]
    rates: dict[tuple[str, float], np.ndarray] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.seeds)

    def chunks(self, count: int) -> list[Task]:
        """Split into ``count`` tasks of nearly equal size (at most one per run)."""
        count = max(1, min(count, len(self)))
        edges = np.linspace(0, len(self), count + 1).round().astype(int)
        return [
            Task(
                self.engine,
                self.split,
                self.configs[a:b],
                self.seeds[a:b],
                self.ids[a:b],
                self.rates,
            )
            for a, b in itertools.pairwise(edges)
        ]


@dataclass(frozen=True)
class TaskResult:
    """A vectorised task's history as arrays: what :func:`run_task` sends back to the client.

    Arrays are far smaller and faster to send than the frame (no per-row strings to pickle),
    and the client builds the frame of many tasks at once (:meth:`frame`).

    Attributes
    ----------
    engine
        Registry name of the engine that trained the runs.
    steps_per_epoch
        Updates per epoch (shared by the task's runs).
    metrics
        ``{(split, metric): array of shape (runs, epochs)}``, runs in the task's order.
    """

    engine: str
    steps_per_epoch: int
    metrics: dict[tuple[str, str], np.ndarray]

    def frame(self, task: Task) -> pd.DataFrame:
        """The tidy history of ``task``'s runs (as :meth:`Engine.train` returns it)."""
        return group_frame(
            list(task.configs),
            list(task.seeds),
            steps_per_epoch=self.steps_per_epoch,
            metrics=self.metrics,
            engine=self.engine,
        )


class Engine(ABC):
    """What every training engine provides."""

    name: str = ""
    description: str = ""
    max_members: int | None = None
    """Largest group the engine trains at once (``None``: no limit)."""

    @abstractmethod
    def supports(self, config: Mapping[str, Any]) -> bool:
        """Whether the engine can train this configuration."""

    def group_key(self, config: Mapping[str, Any]) -> tuple:
        """Runs with equal keys may be trained together: the parameters a group shares."""
        return tuple(config[name] for name, p in PARAMETER_TABLE.items() if not p.per_member)

    @abstractmethod
    def train(self, split: Split, configs: Sequence[dict], seeds: Sequence[int]) -> pd.DataFrame:
        """Train the runs ``zip(configs, seeds)`` (one group) and return their tidy history."""

    def affinity(self, task: Task) -> tuple:
        """What a worker prepares for ``task`` once and reuses for tasks with an equal key
        (traces, compiled code); executors keep such tasks on the worker that has it."""
        return (self.name,)

    def cost(self, split: Split, configs: Sequence[dict]) -> float:
        """A rough relative cost of training ``configs`` as one group, to balance workers."""
        config = configs[0]
        steps = math.ceil(len(split.y_train) / config["batch_size"]) * config["epochs"]
        width = split.X_train.shape[1] + 4 * config["hidden_units"]
        return steps * (1.0 + len(configs) * config["batch_size"] * width / 50_000)


def fit_run(split: Split, config: dict[str, Any], seed: int, *, activation: str = "relu"):
    """Train one run with ``model.fit``; return its frame and the trained Keras model.

    One ``fit`` call covers every epoch (each epoch's rows in the order :func:`batch_order`
    gives), and a callback scores the evaluated sets at the end of each epoch, so Keras builds
    its data pipeline and traces its functions once per run, not once per epoch.
    """
    import keras

    from .models import build_model

    n = split.X_train.shape[0]
    batch_size, epochs = config["batch_size"], config["epochs"]
    steps = math.ceil(n / batch_size)
    keras.backend.clear_session()
    schedule = make_schedule(config["schedule"], config["learning_rate"], steps * epochs)
    model = build_model(
        hidden_units=config["hidden_units"],
        activation=activation,
        optimizer=config["optimizer"],
        learning_rate=schedule,
        seed=seed,
        n_features=split.X_train.shape[1],
    )
    order = batch_order(seed, n_samples=n, epochs=epochs)
    scorer = _epoch_scorer(vectorized_engine.eval_sets(split))
    with warnings.catch_warnings(), vectorized_engine._quiet_tensorflow_log():
        warnings.simplefilter("ignore")
        history = model.fit(
            _epoch_batches(split, order, batch_size),
            epochs=epochs,
            steps_per_epoch=steps,
            shuffle=False,
            verbose=0,
            callbacks=[scorer],
        ).history
    values = {("train_running", metric): history[metric] for metric in METRICS}
    values.update(scorer.values)
    metrics = {key: np.asarray(v, dtype=float)[None, :] for key, v in values.items()}
    frame = group_frame([config], [seed], steps_per_epoch=steps, metrics=metrics, engine="fit")
    return frame, model


def _epoch_batches(split: Split, order: np.ndarray, batch_size: int):
    """A ``tf.data`` pipeline of every epoch's mini-batches, epoch after epoch.

    Each epoch is cut into batches on its own, so its last batch is short when ``batch_size``
    does not divide the rows, exactly as ``model.fit`` on that epoch's rows would cut it.
    """
    import tensorflow as tf

    epochs = tf.data.Dataset.from_tensor_slices((split.X_train[order], split.y_train[order]))
    return epochs.flat_map(
        lambda x, y: tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    )


def _epoch_scorer(evals: Mapping[str, tuple[np.ndarray, np.ndarray]]):
    """A Keras callback scoring each evaluated set in one batch at the end of every epoch.

    ``test_on_batch`` on all of a set's rows runs the same test step as ``model.evaluate``
    with ``batch_size=len(y)``, without building a data pipeline for each call.
    """
    import keras

    class EpochScorer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.values: dict[tuple[str, str], list[float]] = {
                (name, metric): [] for name in evals for metric in METRICS
            }

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            for name, (x, y) in evals.items():
                scores = self.model.test_on_batch(x, y, return_dict=True)
                for metric in METRICS:
                    self.values[name, metric].append(float(scores[metric]))

    return EpochScorer()


class FitEngine(Engine):
    """The reference: one fresh Keras model and ``model.fit`` per run."""

    name = "fit"
    description = "one run at a time with Keras model.fit (the reference; every optimizer)"
    max_members = 1

    def supports(self, config: Mapping[str, Any]) -> bool:
        return True

    def train(self, split: Split, configs: Sequence[dict], seeds: Sequence[int]) -> pd.DataFrame:
        frames = [fit_run(split, config, seed)[0] for config, seed in zip(configs, seeds)]
        return pd.concat(frames, ignore_index=True)

    def cost(self, split: Split, configs: Sequence[dict]) -> float:
        return len(configs) * (3000.0 + 2 * super().cost(split, configs[:1]))


@functools.lru_cache(maxsize=1024)
def _rates(schedule: str, learning_rate: float, total_steps: int) -> np.ndarray:
    return learning_rates(schedule, learning_rate, total_steps)


def schedule_tables(
    configs: Sequence[Mapping[str, Any]],
    total_steps: int,
    known: Mapping[tuple[str, float], np.ndarray] | None = None,
) -> dict[tuple[str, float], np.ndarray]:
    """``{(schedule, learning_rate): rate at each of total_steps updates}`` for ``configs``."""
    tables = dict(known or {})
    for config in configs:
        key = (config["schedule"], config["learning_rate"])
        if key not in tables:
            tables[key] = _rates(*key, total_steps)
    return tables


class VectorizedEngine(Engine):
    """All members of a group in one traced TensorFlow function (:mod:`banknote_gd.engine`)."""

    name = "vectorized"
    description = "all members of a group at once in one TensorFlow function"

    def supports(self, config: Mapping[str, Any]) -> bool:
        return vectorized_engine.supports(config["optimizer"])

    def affinity(self, task: Task) -> tuple:
        first = task.configs[0]
        key = vectorized_engine.compile_key(
            task.split,
            optimizer=first["optimizer"],
            batch_size=first["batch_size"],
            epochs=first["epochs"],
            hidden_units=first["hidden_units"],
            members=len(task),
        )
        return (self.name, *key)

    def train(
        self,
        split: Split,
        configs: Sequence[dict],
        seeds: Sequence[int],
        rates: Mapping[tuple[str, float], np.ndarray] | None = None,
    ) -> pd.DataFrame:
        task = Task(self.name, split, tuple(configs), tuple(seeds), tuple(range(len(seeds))))
        return self.train_arrays(split, configs, seeds, rates).frame(task)

    def train_arrays(
        self,
        split: Split,
        configs: Sequence[dict],
        seeds: Sequence[int],
        rates: Mapping[tuple[str, float], np.ndarray] | None = None,
    ) -> TaskResult:
        """Train like :meth:`train`; return the history as arrays, not as a frame."""
        first = configs[0]
        steps = math.ceil(split.X_train.shape[0] / first["batch_size"])
        tables = schedule_tables(configs, steps * first["epochs"], rates)
        result = vectorized_engine.train_group(
            split,
            optimizer=first["optimizer"],
            batch_size=first["batch_size"],
            epochs=first["epochs"],
            hidden_units=first["hidden_units"],
            seeds=list(seeds),
            learning_rates=np.stack([tables[c["schedule"], c["learning_rate"]] for c in configs]),
        )
        return TaskResult(self.name, result.steps_per_epoch, result.metrics)


ENGINES: dict[str, Engine] = {e.name: e for e in (VectorizedEngine(), FitEngine())}
"""Every engine by name, in the order ``"auto"`` tries them."""


def get_engine(name: str) -> Engine:
    """The registry entry ``name``, or a ``ValueError`` listing the names.

    Examples
    --------
    >>> get_engine("fit").max_members
    1
    """
    return ENGINES[check_choice("engine", name, ENGINES)]


def pick_engine(config: Mapping[str, Any], requested: str = "auto") -> str | None:
    """The engine that trains ``config``: ``requested`` if it supports it, else ``None``;
    with ``"auto"``, the first engine in :data:`ENGINES` that supports it.

    Examples
    --------
    >>> from banknote_gd.parameters import resolve_config
    >>> pick_engine(resolve_config({"optimizer": "adam"})), pick_engine(
    ...     resolve_config({"optimizer": "nadam"}))
    ('vectorized', 'fit')
    """
    if requested != "auto":
        return requested if get_engine(requested).supports(config) else None
    return next(name for name, e in ENGINES.items() if e.supports(config))


_threads_set = False


def _limit_threads(threads: int | None) -> None:
    """Give TensorFlow ``threads`` threads in this (worker) process, before its first op."""
    global _threads_set
    if threads is None or _threads_set:
        return
    _threads_set = True
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already started in this process: keep its pools
        pass


def run_task(task: Task, threads: int | None = None) -> pd.DataFrame | TaskResult:
    """Train one :class:`Task` with its engine; the function executors run.

    Parameters
    ----------
    task
        The group.
    threads
        Limit TensorFlow to this many threads in this process (a worker sharing its machine
        with other workers); ``None`` leaves TensorFlow's default.

    Returns
    -------
    pandas.DataFrame or TaskResult
        The runs' tidy history, run by run in the task's order: as arrays
        (:class:`TaskResult`, whose ``frame(task)`` is the frame) from the vectorised engine,
        as a frame from the others.
    """
    _limit_threads(threads)
    engine = get_engine(task.engine)
    if isinstance(engine, VectorizedEngine):
        return engine.train_arrays(task.split, task.configs, task.seeds, task.rates or None)
    return engine.train(task.split, task.configs, task.seeds)
