"""The explorer's grid of real runs: declared once, trained with :func:`banknote_gd.sweep`.

The course site's explorer page lets a reader pick the optimizer, learning rate, batch size,
schedule and feature scaling and see the loss and accuracy curves of real runs. Those runs
are the configurations of :data:`EXPLORER_GRID`, trained here with the package's own sweep
engine and summarised per configuration, never per seed, so the page stays small.

Summary
-------
For every configuration, epoch, split and metric (:func:`summarize`):

``mean``
    The mean over the runs (seeds) that did not diverge.
``low``, ``high``
    The band: the lowest and the highest value over those same runs (the full range over
    the seeds, no interpolation).
``runs``
    The number of seeds trained.
``diverged``
    How many of them diverged (their loss became NaN or infinite: the frame's ``diverged``
    column). They are counted, never dropped silently: they are left out of the mean and
    the band, and when every run diverged, mean and band are NaN, which the page shows as
    "diverged".

Files
-----
:func:`write_explorer_data` writes two files into a folder (read back by
:func:`read_explorer_data` and by the page's ``explorer.js``):

``grid.json``
    The axes of the grid, the order of the configurations, the channels, the number of
    diverged runs per configuration, the stability limits and the optimum loss.
``grid.f32``
    Little-endian float32 values of shape ``(configurations, channels, epochs)``, in the
    order of ``grid.json``. Configuration ``c`` of optimizer ``o`` is
    ``offset[o] + (((i * n_batch + b) * n_schedule + s) * n_standardize + z)`` for learning
    rate ``i``, batch size ``b``, schedule ``s`` and scaling ``z``.

Examples
--------
>>> EXPLORER_GRID.optimizers
('sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam')
>>> EXPLORER_GRID.n_configs, EXPLORER_GRID.n_runs
(3672, 36720)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .frames import CONFIG_COLUMNS, RUN_COLUMNS

__all__ = [
    "EXPLORER_GRID",
    "SMALL_GRID",
    "ExplorerGrid",
    "explorer_data",
    "read_explorer_data",
    "stability_limits",
    "summarize",
    "write_explorer_data",
]

FULL_BATCH = "full"
"""Stands for a batch of every training row (one update per epoch) in a grid."""

AXES: tuple[str, ...] = ("optimizer", "learning_rate", "batch_size", "schedule", "standardize")
"""The parameters the explorer varies, in the order of its configurations."""

SERIES: tuple[tuple[str, str], ...] = (
    ("train", "loss"),
    ("train", "accuracy"),
    ("test", "loss"),
    ("test", "accuracy"),
)
"""Split and metric of the series stored with a band."""

RUNNING_SERIES: tuple[tuple[str, str], ...] = (
    ("train_running", "loss"),
    ("train_running", "accuracy"),
)
"""Series stored as a mean only (Keras's running mean over the epoch's batches)."""

STATS: tuple[str, ...] = ("mean", "low", "high")

CHANNELS: tuple[str, ...] = (
    *(f"{split}.{metric}.{stat}" for split, metric in SERIES for stat in STATS),
    *(f"{split}.{metric}.mean" for split, metric in RUNNING_SERIES),
)
"""The values stored per configuration and epoch, ``split.metric.stat``."""

BAND = "lowest to highest value over the seeds that did not diverge"
FORMAT_VERSION = 1


def rates_125(first: int, last: int) -> tuple[float, ...]:
    """Learning rates 1, 2, 3, 5 times each power of ten from ``10**first`` to ``10**last``.

    The lessons' rates (0.01, 0.05, 0.3, 2, 30, ...) are all on such a grid.

    Examples
    --------
    >>> rates_125(-2, 0)
    (0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
    """
    rates = [float(f"{m}e{e}") for e in range(first, last) for m in (1, 2, 3, 5)]
    return (*rates, float(f"1e{last}"))


@dataclass(frozen=True)
class ExplorerGrid:
    """A grid of the explorer: every combination is trained for every seed.

    Attributes
    ----------
    learning_rates
        ``{optimizer: ascending learning rates}``: each optimizer has its own range, wide
        enough to go from too slow to blowing up.
    batch_sizes
        Ascending batch sizes; :data:`FULL_BATCH` (``"full"``) for every training row.
    schedules, standardize
        Learning-rate schedules and feature scalings.
    seeds, epochs
        Seeds of every configuration and epochs of every run.
    name
        A name for the grid, recorded in the files.
    """

    learning_rates: Mapping[str, tuple[float, ...]]
    batch_sizes: tuple[int | str, ...]
    schedules: tuple[str, ...]
    standardize: tuple[bool, ...]
    seeds: tuple[int, ...]
    epochs: int
    name: str = "custom"

    @property
    def optimizers(self) -> tuple[str, ...]:
        """The optimizers, in order."""
        return tuple(self.learning_rates)

    @property
    def n_configs(self) -> int:
        """Number of configurations (runs per seed)."""
        per_rate = len(self.batch_sizes) * len(self.schedules) * len(self.standardize)
        return per_rate * sum(len(r) for r in self.learning_rates.values())

    @property
    def n_runs(self) -> int:
        """Number of trainings: configurations times seeds."""
        return self.n_configs * len(self.seeds)

    def batch_values(self, n_train: int) -> tuple[int, ...]:
        """The batch sizes with :data:`FULL_BATCH` replaced by ``n_train``."""
        return tuple(n_train if b == FULL_BATCH else int(b) for b in self.batch_sizes)

    def sweep_grid(self, optimizer: str, n_train: int) -> dict[str, list]:
        """The :func:`banknote_gd.sweep` grid of one optimizer (all its configurations)."""
        return {
            "optimizer": [optimizer],
            "learning_rate": list(self.learning_rates[optimizer]),
            "batch_size": list(self.batch_values(n_train)),
            "schedule": list(self.schedules),
            "standardize": list(self.standardize),
        }


EXPLORER_GRID = ExplorerGrid(
    learning_rates={
        "sgd": rates_125(-2, 2),
        "momentum": rates_125(-3, 1),
        "nesterov": rates_125(-3, 1),
        "adagrad": rates_125(-2, 2),
        "rmsprop": rates_125(-3, 1),
        "adam": rates_125(-3, 1),
    },
    batch_sizes=(1, 16, 32, 64, 128, FULL_BATCH),
    schedules=("constant", "step", "cosine"),
    standardize=(False, True),
    seeds=tuple(range(10)),
    epochs=10,
    name="full",
)
"""The grid of the course site's explorer: 6 optimizers x 17 learning rates (four decades
each, a range per optimizer) x 6 batch sizes x 3 schedules x 2 scalings = 3,672
configurations, 10 seeds each, 10 epochs."""

SMALL_GRID = ExplorerGrid(
    learning_rates={"sgd": (0.01, 0.1, 1.0), "adam": (0.001, 0.01)},
    batch_sizes=(16, FULL_BATCH),
    schedules=("constant", "cosine"),
    standardize=(False, True),
    seeds=(0, 1, 2),
    epochs=3,
    name="small",
)
"""A small grid for tests and quick builds (same code path, 40 configurations, 3 seeds)."""

GRIDS: dict[str, ExplorerGrid] = {"full": EXPLORER_GRID, "small": SMALL_GRID}


# --------------------------------------------------------------------------- summary
def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Summarise a sweep's frame per configuration, epoch, split and metric.

    Parameters
    ----------
    frame
        A frame from :func:`banknote_gd.sweep` (the tidy long format).

    Returns
    -------
    pandas.DataFrame
        One row per configuration, epoch, split and metric: the configuration columns,
        ``epoch``, ``split``, ``metric``, ``mean``, ``low``, ``high`` (over the runs that did
        not diverge; NaN if all did), ``runs`` and ``diverged`` (counts of seeds).

    Examples
    --------
    >>> import banknote_gd as bgd
    >>> frame = bgd.sweep({"learning_rate": [0.1, 1.0]}, seeds=3, epochs=2)  # doctest: +SKIP
    >>> summarize(frame)[["learning_rate", "epoch", "split", "mean", "runs"]].head(2)
    ... # doctest: +SKIP
    """
    config = list(CONFIG_COLUMNS)
    missing = [c for c in (*RUN_COLUMNS, "epoch", "split", "metric", "value") if c not in frame]
    if missing:
        raise ValueError(f"frame lacks the column(s) {missing}; pass a frame from sweep().")
    runs = frame.groupby(list(RUN_COLUMNS), sort=False)["diverged"].any().reset_index()
    counts = runs.groupby(config, sort=False)["diverged"].agg(runs="size", diverged="sum")
    kept = frame.assign(value=frame["value"].where(~frame["diverged"].astype(bool)))
    stats = kept.groupby([*config, "epoch", "split", "metric"], sort=False)["value"].agg(
        mean="mean", low="min", high="max"
    )
    out = stats.reset_index().merge(counts.reset_index(), on=config, how="left")
    out["diverged"] = out["diverged"].astype("int64")
    return out


# --------------------------------------------------------------------------- stability
def stability_limits(standardize: Sequence[bool] = (False, True)) -> dict[str, Any]:
    """Largest stable constant learning rates of full-batch descent, at the optimum.

    For a quadratic with largest curvature ``lambda_max`` (here the Hessian of the training
    loss at the optimum of logistic regression, :func:`banknote_gd.curvature.optimum`),
    gradient descent is stable for ``lr < 2 / lambda_max``, heavy-ball momentum ``beta``
    for ``lr < 2 (1 + beta) / lambda_max`` and Nesterov momentum for
    ``lr < 2 (1 + beta) / ((1 + 2 beta) lambda_max)``. No such line is known for the
    adaptive optimizers.

    Returns
    -------
    dict
        ``{"raw" | "standardized": {"lambda_max", "optimum_loss", "limits": {optimizer:
        rate}}}``; empty if the curvature module is not available.

    Examples
    --------
    >>> limits = stability_limits([True])  # doctest: +SKIP
    >>> sorted(limits["standardized"]["limits"])  # doctest: +SKIP
    ['momentum', 'nesterov', 'sgd']
    """
    try:
        from .curvature import optimum
    except ImportError:  # the curvature module is optional for the explorer
        return {}
    from .optimizers import OPTIMIZERS

    result: dict[str, Any] = {}
    for flag in standardize:
        best = optimum(standardize=bool(flag))
        lam = float(np.max(best.eigenvalues))
        limits = {}
        for name, spec in OPTIMIZERS.items():
            if spec.keras_class != "SGD" or not spec.vectorized:
                continue
            beta = float(spec.options.get("momentum", 0.0))
            factor = (
                2 * (1 + beta) / (1 + 2 * beta) if spec.options.get("nesterov") else 2 * (1 + beta)
            )
            limits[name] = factor / lam
        result["standardized" if flag else "raw"] = {
            "lambda_max": lam,
            "optimum_loss": float(best.loss),
            "limits": limits,
        }
    return result


# --------------------------------------------------------------------------- files
def _config_index(grid: ExplorerGrid, n_train: int) -> dict[tuple, int]:
    """``{(optimizer, learning_rate, batch_size, schedule, standardize): index}``."""
    index: dict[tuple, int] = {}
    for optimizer, rates in grid.learning_rates.items():
        for rate in rates:
            for batch in grid.batch_values(n_train):
                for schedule in grid.schedules:
                    for flag in grid.standardize:
                        index[(optimizer, float(rate), batch, schedule, bool(flag))] = len(index)
    return index


def _summary_keys(summary: pd.DataFrame) -> list[tuple]:
    """Each summary row's configuration, as the keys of :func:`_config_index`."""
    return list(
        zip(
            summary["optimizer"],
            summary["learning_rate"].astype(float),
            summary["batch_size"].astype(int),
            summary["schedule"],
            summary["standardize"].astype(bool),
        )
    )


def _pack(summary: pd.DataFrame, grid: ExplorerGrid, n_train: int) -> tuple[np.ndarray, list]:
    """Arrange a summary into the (configurations, channels, epochs) array of the page."""
    index = _config_index(grid, n_train)
    values = np.full((len(index), len(CHANNELS), grid.epochs), np.nan, dtype=np.float32)
    diverged = [0] * len(index)
    keys = _summary_keys(summary)
    rows = np.array([index.get(k, -1) for k in keys], dtype=np.int64)
    if (rows < 0).any():
        stray = keys[int(np.argmax(rows < 0))]
        raise ValueError(f"the summary holds configuration {stray}, which is not in the grid.")
    epochs = summary["epoch"].to_numpy(dtype=np.int64) - 1
    for channel, name in enumerate(CHANNELS):
        split, metric, stat = name.split(".")
        mask = ((summary["split"] == split) & (summary["metric"] == metric)).to_numpy()
        values[rows[mask], channel, epochs[mask]] = summary.loc[mask, stat].to_numpy()
    for row, count in zip(rows, summary["diverged"]):
        diverged[row] = int(count)
    return values, diverged


def write_explorer_data(
    folder: str | os.PathLike,
    summary: pd.DataFrame,
    *,
    grid: ExplorerGrid = EXPLORER_GRID,
    n_train: int,
    n_test: int,
    stability: Mapping[str, Any] | None = None,
    seconds: float | None = None,
) -> Path:
    """Write ``grid.json`` and ``grid.f32`` for the page into ``folder``; return the JSON's path.

    Parameters
    ----------
    folder
        An existing folder.
    summary
        The output of :func:`summarize` for every configuration of ``grid``.
    grid
        The grid the summary covers.
    n_train, n_test
        Rows of the training and test splits (``n_train`` is the full batch size).
    stability
        The output of :func:`stability_limits`, if known.
    seconds
        How long the sweep took (recorded in the JSON).
    """
    folder = Path(folder)
    values, diverged = _pack(summary, grid, n_train)
    offsets, first = {}, 0
    per_rate = len(grid.batch_sizes) * len(grid.schedules) * len(grid.standardize)
    for optimizer, rates in grid.learning_rates.items():
        offsets[optimizer] = first
        first += len(rates) * per_rate
    meta = {
        "format": FORMAT_VERSION,
        "grid": grid.name,
        "axes": list(AXES),
        "optimizers": list(grid.optimizers),
        "learning_rates": {k: [float(r) for r in v] for k, v in grid.learning_rates.items()},
        "batch_sizes": list(grid.batch_values(n_train)),
        "full_batch": n_train,
        "schedules": list(grid.schedules),
        "standardize": [bool(s) for s in grid.standardize],
        "offsets": offsets,
        "configs": len(diverged),
        "channels": list(CHANNELS),
        "epochs": grid.epochs,
        "seeds": [int(s) for s in grid.seeds],
        "band": BAND,
        "n_train": n_train,
        "n_test": n_test,
        "diverged": diverged,
        "stability": dict(stability or {}),
        "seconds": None if seconds is None else round(seconds, 1),
        "values": "grid.f32",
    }
    values.astype("<f4").tofile(folder / "grid.f32")
    path = folder / "grid.json"
    path.write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")
    return path


def read_explorer_data(folder: str | os.PathLike) -> pd.DataFrame:
    """Read the files of :func:`write_explorer_data` back as a tidy summary frame.

    Returns
    -------
    pandas.DataFrame
        One row per configuration, epoch, split and metric, with the columns of
        :data:`AXES`, ``epoch``, ``split``, ``metric``, ``mean``, ``low``, ``high``
        (NaN for the running series, stored as a mean only) and ``diverged``.

    Examples
    --------
    >>> read_explorer_data("site/assets/explorer").shape  # doctest: +SKIP
    (220320, 11)
    """
    folder = Path(folder)
    meta = json.loads((folder / "grid.json").read_text(encoding="utf-8"))
    values = np.fromfile(folder / meta["values"], dtype="<f4").astype(np.float64)
    values = values.reshape(meta["configs"], len(meta["channels"]), meta["epochs"])
    configs = [
        (o, r, b, s, z)
        for o in meta["optimizers"]
        for r in meta["learning_rates"][o]
        for b in meta["batch_sizes"]
        for s in meta["schedules"]
        for z in meta["standardize"]
    ]
    frames = []
    for series in {tuple(c.split(".")[:2]): None for c in meta["channels"]}:
        block = {"split": series[0], "metric": series[1]}
        for stat in STATS:
            name = ".".join((*series, stat))
            block[stat] = (
                values[:, meta["channels"].index(name), :].reshape(-1)
                if name in meta["channels"]
                else np.nan
            )
        block["epoch"] = np.tile(np.arange(1, meta["epochs"] + 1), len(configs))
        config = np.repeat(np.arange(len(configs)), meta["epochs"])
        for i, axis in enumerate(AXES):
            block[axis] = [configs[c][i] for c in config]
        block["diverged"] = np.asarray(meta["diverged"])[config]
        frames.append(pd.DataFrame(block))
    columns = [*AXES, "epoch", "split", "metric", *STATS, "diverged"]
    return pd.concat(frames, ignore_index=True).loc[:, columns]


# --------------------------------------------------------------------------- the command
def explorer_data(
    folder: str | os.PathLike,
    *,
    grid: ExplorerGrid = EXPLORER_GRID,
    runs_dir: str | os.PathLike | None = None,
    executor: Any = None,
    progress: bool | None = None,
) -> Path:
    """Train the explorer's grid with :func:`banknote_gd.sweep`, summarise it, write it.

    One sweep per optimizer, summarised (:func:`summarize`) as soon as it ends. Resumable
    by optimizer: each summary is written to ``runs_dir/<optimizer>.summary.parquet``, and a
    new call (after an interruption, say) reads it instead of training that optimizer
    again. (One sweep of the whole grid would hold 2.2 million rows in memory at once; per
    optimizer, each holds a sixth of that. Writing every finished group's rows as well, as
    ``sweep(out=...)`` does, would cost about a fifth of the training time again, for an
    interruption that loses at most one optimizer's sweep, some seconds.)

    Parameters
    ----------
    folder
        Folder for ``grid.json`` and ``grid.f32`` (created if missing).
    grid
        :data:`EXPLORER_GRID` (the site's) or another :class:`ExplorerGrid`.
    runs_dir
        Folder of the optimizers' summaries, which make the call resumable;
        ``folder/runs`` by default.
    executor
        A ``concurrent.futures.Executor`` passed on to :func:`banknote_gd.sweep`.
    progress
        Show the sweep's progress bar (see :func:`banknote_gd.sweep`).

    Returns
    -------
    pathlib.Path
        The path of ``grid.json``.

    Examples
    --------
    >>> explorer_data("explorer-data", grid=SMALL_GRID)  # doctest: +SKIP
    PosixPath('explorer-data/grid.json')
    """
    from .data import load_banknotes, split_data

    if not isinstance(grid, ExplorerGrid):
        raise TypeError(f"grid must be an ExplorerGrid, got {type(grid).__name__}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    runs = Path(runs_dir) if runs_dir is not None else folder / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    split = split_data(load_banknotes())
    n_train, n_test = split.X_train.shape[0], split.X_test.shape[0]
    sweep_options = {"progress": progress, "cache": False}
    if executor is not None:
        sweep_options["executor"] = executor
    start = time.perf_counter()
    summaries = [
        _optimizer_summary(
            grid, optimizer, runs / f"{optimizer}.summary.parquet", n_train, sweep_options
        )
        for optimizer in grid.optimizers
    ]
    seconds = time.perf_counter() - start
    summary = pd.concat(summaries, ignore_index=True)
    return write_explorer_data(
        folder,
        summary,
        grid=grid,
        n_train=n_train,
        n_test=n_test,
        stability=stability_limits(grid.standardize),
        seconds=seconds,
    )


def _optimizer_summary(
    grid: ExplorerGrid, optimizer: str, done: Path, n_train: int, sweep_options: dict
) -> pd.DataFrame:
    """One optimizer's summary: read from ``done`` if an earlier call wrote it, else trained
    with one sweep, summarised and written there (atomically) before it is returned."""
    from .training import sweep

    if done.is_file():  # summarised by an earlier call that was interrupted later
        return _check_saved_summary(pd.read_parquet(done), done, grid, optimizer, n_train)
    frame = sweep(
        grid.sweep_grid(optimizer, n_train),
        seeds=list(grid.seeds),
        epochs=grid.epochs,
        **sweep_options,
    )
    summary = summarize(frame)
    tmp = done.with_name(done.name + ".tmp")
    summary.to_parquet(tmp, index=False)
    os.replace(tmp, done)
    return summary


def _check_saved_summary(
    summary: pd.DataFrame, done: Path, grid: ExplorerGrid, optimizer: str, n_train: int
) -> pd.DataFrame:
    """``summary`` if it covers exactly ``optimizer``'s part of ``grid`` (configurations,
    seeds, epochs); else a clear error, rather than a page with another grid's numbers."""
    wanted = {key for key in _config_index(grid, n_train) if key[0] == optimizer}
    found = set(_summary_keys(summary))
    epochs = set(summary["epoch"].astype(int))
    if (
        found != wanted
        or set(summary["runs"]) != {len(grid.seeds)}
        or epochs != set(range(1, grid.epochs + 1))
    ):
        raise ValueError(
            f"{done} summarises another grid than {grid.name!r} ({len(found)} configurations, "
            f"{sorted(set(summary['runs']))} seeds, epochs up to {max(epochs, default=0)}; "
            f"this grid has {len(wanted)}, {len(grid.seeds)} and {grid.epochs} for "
            f"{optimizer!r}). Remove {done.parent} or pass another runs_dir (--runs)."
        )
    return summary
