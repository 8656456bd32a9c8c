"""Train one configuration, or sweep a grid of them over several seeds.

Both return the package's one currency, a tidy long frame (see :mod:`banknote_gd.frames`):
one row per configuration, seed, epoch, split and metric.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import cache as result_cache
from ._checks import check_bool, check_choice, check_int, check_seeds
from .data import Split, load_banknotes, split_data
from .engines import ENGINES as ENGINE_REGISTRY
from .engines import Task, TaskResult, fit_run, get_engine, pick_engine, schedule_tables
from .executors import balance, executor_workers, run_tasks
from .frames import _DTYPES, HISTORY_COLUMNS, METRICS, RUN_COLUMNS, SPLITS, normalize_history
from .parameters import DATA_PARAMETERS, PARAMETER_TABLE, PARAMETERS, check_names, resolve_config

__all__ = ["PARAMETERS", "read_results", "sweep", "train"]

ENGINES: tuple[str, ...] = ("auto", *ENGINE_REGISTRY)
"""The values ``engine=`` accepts: ``"auto"`` and the names in :mod:`banknote_gd.engines`."""


def _resolve(params: Mapping[str, Any], *, n_train: int | None = None) -> dict[str, Any]:
    """Validate one configuration and fill in the defaults."""
    config = resolve_config(params)
    if n_train is not None:
        check_int("batch_size", config["batch_size"], minimum=1, maximum=n_train)
    return config


_splits: dict[tuple, Split] = {}


def _split_for(standardize: bool, validation_size: float = 0.0, split_seed: int = 42) -> Split:
    """The course's split (test_size 0.3) for these data parameters, computed once per process."""
    key = (bool(standardize), float(validation_size), int(split_seed))
    if key not in _splits:
        _splits[key] = split_data(
            load_banknotes(),
            standardize=key[0],
            validation_size=key[1],
            random_state=key[2],
        )
    return _splits[key]


def _config_split(config: Mapping[str, Any]) -> Split:
    return _split_for(*(config[name] for name in DATA_PARAMETERS))


def _data_for_train(data: Split | None, given: dict[str, Any]) -> Split:
    """The split ``train`` uses: ``data``, or the course's split for the data parameters."""
    given = {name: PARAMETER_TABLE[name].check(v) for name, v in given.items() if v is not None}
    if data is None:
        return _split_for(**{"standardize": True, **given})
    if not isinstance(data, Split):
        raise TypeError(
            f"data must be a banknote_gd.Split from split_data(), got {type(data).__name__}."
        )
    actual = {
        "standardize": data.standardized,
        "validation_size": data.validation_size,
        "split_seed": data.random_state,
    }
    for name, value in given.items():
        if value != actual[name]:
            raise ValueError(
                f"{name}={value!r} contradicts data, which was split with "
                f"{name}={actual[name]!r}; leave {name} out when passing data."
            )
    return data


def train(
    *,
    optimizer: str = "sgd",
    learning_rate: float | None = None,
    batch_size: int = 32,
    epochs: int = 10,
    schedule: str = "constant",
    hidden_units: int = 0,
    standardize: bool | None = None,
    validation_size: float | None = None,
    split_seed: int | None = None,
    seed: int = 0,
    data: Split | None = None,
    return_model: bool = False,
):
    """Train one configuration with Keras ``model.fit`` and return its history as a frame.

    The initial weights and the order of the mini-batches come from ``seed`` (see
    :func:`banknote_gd.build_model`); the same seed gives the same numbers.

    Parameters
    ----------
    optimizer
        A name from :func:`banknote_gd.available_optimizers`.
    learning_rate
        Initial learning rate, > 0; ``None`` for the optimizer's default.
    batch_size
        Examples per update, from 1 to the number of training rows.
    epochs
        Passes over the training rows, >= 1.
    schedule
        A name from :func:`banknote_gd.available_schedules`.
    hidden_units
        0 for logistic regression, else the units of one hidden ReLU layer.
    standardize
        Standardise the features (scaler fitted on the training rows). Defaults to True, or
        to what ``data`` says when it is given.
    validation_size
        Fraction of the training rows held out (stratified) as validation rows, ``0 <= v <
        1``. Defaults to 0, or to what ``data`` says when it is given.
    split_seed
        ``random_state`` of the train/test split. Defaults to 42 (the course's split), or to
        what ``data`` says when it is given.
    seed
        Seed of the initial weights and of the batch order.
    data
        A :class:`banknote_gd.Split`; by default the course's split (test_size 0.3) made with
        the three arguments above.
    return_model
        Also return the trained Keras model.

    Returns
    -------
    pandas.DataFrame or tuple
        The history, with the columns described in :mod:`banknote_gd.frames`: per epoch,
        loss and accuracy on the ``train``, ``train_running`` and ``test`` splits (and
        ``validation`` with a validation part); and the model if ``return_model``.

    Examples
    --------
    >>> history = train(learning_rate=0.1, batch_size=16, epochs=5, seed=0)
    >>> history.shape  # 5 epochs x 3 splits x 2 metrics
    (30, 17)
    """
    if standardize is not None:
        standardize = check_bool("standardize", standardize)
    data = _data_for_train(
        data,
        {"standardize": standardize, "validation_size": validation_size, "split_seed": split_seed},
    )
    seed = check_int("seed", seed, minimum=0)
    config = _resolve(
        {
            "optimizer": optimizer,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "schedule": schedule,
            "hidden_units": hidden_units,
            "standardize": data.standardized,
            "validation_size": data.validation_size,
            "split_seed": data.random_state,
            "epochs": epochs,
        },
        n_train=data.X_train.shape[0],
    )
    frame, model = fit_run(data, config, seed)
    return (frame, model) if return_model else frame


def _check_one_grid(grid: Any, fixed: Mapping[str, Any]) -> dict[str, list]:
    if not isinstance(grid, Mapping):
        raise TypeError(
            "grid must be a dict of parameter name -> list of values (or a list of such "
            f"dicts), got {type(grid).__name__}."
        )
    check_names(grid, " in grid")
    both = sorted(set(grid) & set(fixed))
    if both:
        raise ValueError(f"{both} given both in grid and as a fixed value; give each once.")
    result = {}
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise TypeError(
                f"grid[{name!r}] must be a list of values, got {values!r}; "
                f"write {name}=[{values!r}] or pass it as a fixed keyword."
            )
        values = list(values)
        if not values:
            raise ValueError(f"grid[{name!r}] is empty; give at least one value.")
        if len({repr(v) for v in values}) != len(values):
            raise ValueError(f"grid[{name!r}] repeats a value: {values}.")
        result[name] = values
    return result


def _check_grids(grid: Any, fixed: Mapping[str, Any]) -> list[dict[str, list]]:
    """One grid or a list of grids (as scikit-learn's ``ParameterGrid``), checked."""
    check_names(fixed)
    if grid is None:
        grid = {}
    if isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        if not grid:
            raise ValueError("grid is an empty list; give at least one dict.")
        return [_check_one_grid(g, fixed) for g in grid]
    return [_check_one_grid(grid, fixed)]


def _check_out(out: str | os.PathLike | None) -> Path | None:
    if out is None:
        return None
    path = Path(out).expanduser()
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"out must end in .csv or .parquet, got {str(out)!r}.")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"The folder of out={str(out)!r} does not exist ({path.parent}); create it first."
        )
    return path


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """Read a frame written by :func:`sweep` (``out=``) or the command line, CSV or Parquet.

    A Parquet sweep that was interrupted has its finished groups in a folder beside ``path``
    (``.NAME.parquet.parts``, see :func:`sweep`); they are read too, so nothing that finished
    is missing.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If ``path`` does not end in ``.csv`` or ``.parquet``, or the file cannot be read as a
        results table or lacks some of its columns.

    Examples
    --------
    >>> frame = read_results("sweep.csv")  # doctest: +SKIP
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"path must end in .csv or .parquet, got {str(path)!r}.")
    if not _results_exist(path):
        raise FileNotFoundError(
            f"No results file at {path}; write one with sweep(..., out=path) or "
            "banknote-gd sweep --out PATH."
        )
    files = ([path] if path.is_file() else []) + _parts(path)
    try:
        frames = [pd.read_parquet(f) if suffix == ".parquet" else pd.read_csv(f) for f in files]
    except (ValueError, OSError) as error:  # pandas' ParserError is a ValueError
        raise ValueError(
            f"{path} could not be read as a results table ({type(error).__name__}: {error})."
        ) from error
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} is not a results file written by sweep(): it lacks the column(s) {missing}."
        )
    return normalize_history(frame)


def _parts_dir(path: Path) -> Path:
    """Where a Parquet ``out`` keeps the groups finished since it was last written whole."""
    return path.with_name(f".{path.name}.parts")


def _parts(path: Path) -> list[Path]:
    if path.suffix.lower() != ".parquet":
        return []
    return sorted(_parts_dir(path).glob("*.parquet"))


def _results_exist(path: Path) -> bool:
    return path.is_file() or bool(_parts(path))


def _remove_results(path: Path) -> None:
    path.unlink(missing_ok=True)
    shutil.rmtree(_parts_dir(path), ignore_errors=True)


def _append(path: Path, frame: pd.DataFrame) -> None:
    """Add ``frame`` to the results (CSV: appended; Parquet: a new part file, atomically).

    A Parquet file cannot be appended to, and rewriting it after every group costs time
    that grows with the square of the sweep; so each group becomes a part file of its own,
    and :func:`_consolidate` joins them into ``path`` when the sweep ends.
    """
    if path.suffix.lower() == ".csv":
        frame.to_csv(
            path, mode="a", header=not path.exists() or path.stat().st_size == 0, index=False
        )
        return
    folder = _parts_dir(path)
    folder.mkdir(exist_ok=True)
    existing = _parts(path)
    number = int(existing[-1].stem) + 1 if existing else 0
    target = folder / f"{number:06d}.parquet"
    tmp = target.with_name(target.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)


def _consolidate(path: Path) -> None:
    """Join a Parquet ``out`` and its part files into the one file (atomically).

    The parts are joined as Arrow tables, without a round trip through pandas: each part
    was written from a normalised frame already (:func:`read_results` normalises on read).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = _parts(path)
    if not parts:
        return
    files = ([path] if path.is_file() else []) + parts
    table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    shutil.rmtree(_parts_dir(path), ignore_errors=True)


def _run_key(row: Mapping[str, Any]) -> tuple:
    """A hashable identity of one run, the same for a row read back from CSV or Parquet."""
    types = {name: p.type for name, p in PARAMETER_TABLE.items()}
    return tuple(types.get(c, int)(row[c]) for c in RUN_COLUMNS)


class _NoProgress:
    """Stands in for a progress bar when it is turned off (no tqdm import, no warning)."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def _progress_bar(total: int, progress: bool | None):
    if progress is None:
        progress = os.environ.get("BANKNOTE_GD_PROGRESS", "1") not in ("0", "false", "False")
    if not progress:
        return _NoProgress()
    try:  # a widget in Jupyter when ipywidgets is there, else a text bar (no IProgress warning)
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm
    return tqdm(total=total, desc="sweep", unit="run", delay=1.0, leave=False)


def sweep(
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]] | None = None,
    *,
    seeds: int | Sequence[int] = 5,
    epochs: int | None = None,
    engine: str = "auto",
    progress: bool | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = True,
    cache: bool | None = None,
    executor: Executor | None = None,
    **fixed: Any,
) -> pd.DataFrame:
    """Train every combination of ``grid`` for every seed; return one long frame.

    Parameters
    ----------
    grid
        ``{parameter: [values]}``, or a list of such dicts (each expanded on its own, as
        scikit-learn's ``ParameterGrid`` does; a run that two of them produce is trained
        once), for any of ``optimizer, learning_rate, batch_size,
        schedule, hidden_units, standardize, validation_size, split_seed, epochs`` (see
        :data:`banknote_gd.parameters.PARAMETER_TABLE`). Every combination is trained.
    seeds
        A number of seeds (``10`` means seeds 0 to 9) or a list of seeds. Each seed fixes the
        initial weights and the batch order, the same for every configuration.
    epochs
        Epochs of every run (default 10), unless ``epochs`` is in ``grid``.
    engine
        ``"vectorized"`` trains all members of a group at once in one compiled TensorFlow
        function (see :mod:`banknote_gd.engine`); ``"fit"`` trains run by run with Keras
        ``model.fit``; ``"auto"`` (default) uses the vectorised engine wherever it can and
        falls back to ``fit``, with a warning, for optimizers it does not implement.
    progress
        Show a progress bar (it appears after one second). ``None``: on, unless the
        environment variable ``BANKNOTE_GD_PROGRESS`` is ``0``.
    out
        A ``.csv`` or ``.parquet`` file. Finished runs are written to it as they finish, so an
        interrupted sweep keeps them; with ``resume`` a new call skips the runs already there.
        A Parquet file cannot be appended to: its finished groups go to part files in a
        folder beside it (``.NAME.parquet.parts``), joined into ``out`` when the sweep ends;
        :func:`read_results` reads an interrupted sweep's parts too.
    resume
        Reuse the runs already in ``out``; if False, ``out`` is overwritten.
    executor
        A ``concurrent.futures.Executor`` to train the groups on: a local process pool
        (:func:`banknote_gd.executors.local_pool`) or a Dask cluster's
        (``dask.distributed.Client(address).get_executor()``). The groups are split into
        balanced chunks; the result is identical, number for number, to the serial sweep. A
        chunk whose worker dies is trained again (see :mod:`banknote_gd.executors`).
    cache
        Store the result on disk and reuse it when the same sweep is asked for again with the
        same package source, data and library versions (see :mod:`banknote_gd.cache`).
        ``None``: on if the environment variable ``BANKNOTE_GD_CACHE`` is set.
    **fixed
        Values shared by every run, for parameters not in ``grid`` (for example
        ``batch_size=16``).

    Returns
    -------
    pandas.DataFrame
        The long history of every run (columns in :mod:`banknote_gd.frames`), ordered by
        configuration (in grid order), seed, epoch, split and metric. A run whose loss became
        NaN or infinite has ``diverged`` True; the others are unaffected.

    Raises
    ------
    ValueError, TypeError
        For an unknown parameter or value, a learning rate <= 0, a batch size < 1 or larger
        than the training set, epochs < 1, empty seeds, an out file that is not .csv/.parquet.
    FileNotFoundError
        If the folder of ``out`` does not exist.

    Examples
    --------
    >>> frame = sweep({"learning_rate": [0.01, 0.05, 0.1, 0.5]}, seeds=10, batch_size=16)
    >>> frame.shape  # 4 rates x 10 seeds x 10 epochs x 3 splits x 2 metrics
    (2400, 17)
    """
    runs = _expand(grid, fixed, epochs=epochs, seeds=seeds)
    kinds = _pick_engines(runs, engine)
    out_path = _check_out(out)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor (a process pool, or "
            f"dask.distributed.Client(...).get_executor()), got {type(executor).__name__}."
        )
    key = _cache_key(runs, kinds, cache)
    cached = None if key is None else result_cache.load(key)
    if cached is not None:
        return _from_cache(normalize_history(cached), out_path)
    done, todo = _resume(runs, out_path, resume)
    tasks = balance(_group(runs, kinds, todo), executor_workers(executor))
    done += _run_groups(tasks, executor, out_path, progress)
    frame = _order_rows(done)
    if key is not None:
        result_cache.store(key, frame)
    return frame


def _expand(grid: Any, fixed: dict[str, Any], *, epochs: Any, seeds: Any) -> list[tuple]:
    """Every (configuration, seed) of the grid(s), checked; duplicates once, in grid order."""
    grids = _check_grids(grid, fixed)
    if epochs is not None and any("epochs" in g for g in grids):
        raise ValueError("epochs is both in grid and given as epochs=; give it once.")
    if epochs is not None:
        fixed = {**fixed, "epochs": epochs}
    seed_list = check_seeds(seeds)
    configs: dict[tuple, dict] = {}
    for one in grids:
        names = list(one)
        for combo in itertools.product(*(one[n] for n in names)):
            config = _resolve({**fixed, **dict(zip(names, combo))})
            configs.setdefault(_run_key({**config, "seed": 0})[:-1], config)
    for config in configs.values():  # only now load the data: bad arguments fail fast
        n_train = _config_split(config).X_train.shape[0]
        check_int("batch_size", config["batch_size"], minimum=1, maximum=n_train)
    return [(config, seed) for config in configs.values() for seed in seed_list]


def _pick_engines(runs: list[tuple], engine: str) -> list[str]:
    """The engine of every run: ``engine``, or with ``"auto"`` the first that supports it."""
    check_choice("engine", engine, ENGINES)
    kinds = [pick_engine(config, engine) for config, _ in runs]
    missing = sorted({c["optimizer"] for (c, _), k in zip(runs, kinds) if k is None})
    if missing:
        raise ValueError(
            f"engine={engine!r} does not implement optimizer(s) {missing}; "
            f"use engine='auto' or 'fit'."
        )
    first = next(iter(ENGINE_REGISTRY))
    fallback = sorted({c["optimizer"] for (c, _), k in zip(runs, kinds) if k != first})
    if engine == "auto" and fallback:
        warnings.warn(
            f"The vectorised engine does not implement {fallback}: training those "
            f"{sum(k != first for k in kinds)} runs one by one with model.fit (slower; "
            "engine column 'fit').",
            stacklevel=3,
        )
    return kinds


def _cache_key(runs: list[tuple], kinds: list[str], cache: bool | None) -> str | None:
    use = bool(os.environ.get(result_cache.ENV_VAR)) if cache is None else bool(cache)
    if not use:
        return None
    return result_cache.cache_key(
        {"runs": [[config, seed, kind] for (config, seed), kind in zip(runs, kinds)]}
    )


def _from_cache(frame: pd.DataFrame, out_path: Path | None) -> pd.DataFrame:
    if out_path is not None:
        _remove_results(out_path)
        _append(out_path, frame)
        _consolidate(out_path)
    return frame


def _runs_frame(runs: list[tuple]) -> pd.DataFrame:
    """One row per run (its identifying columns) and its position ``_run`` in the sweep."""
    table = pd.DataFrame([{**config, "seed": seed} for config, seed in runs])
    table = table.astype({c: _DTYPES[c] for c in RUN_COLUMNS if _DTYPES[c] != "object"})
    return table.assign(_run=np.arange(len(runs)))


def _resume(runs: list[tuple], out_path: Path | None, resume: bool):
    """The rows already in ``out`` for this sweep's runs, and the runs still to train."""
    done: list[pd.DataFrame] = []
    if out_path is None or not _results_exist(out_path):
        return done, list(range(len(runs)))
    if not resume:
        _remove_results(out_path)
        return done, list(range(len(runs)))
    previous = read_results(out_path).merge(_runs_frame(runs), on=list(RUN_COLUMNS))
    finished = set(previous["_run"].unique().tolist())
    _remove_results(out_path)  # rewritten with only this sweep's runs: it describes this sweep
    if not previous.empty:
        _append(out_path, previous.drop(columns="_run"))
        done.append(previous)
    return done, [i for i in range(len(runs)) if i not in finished]


def _group(runs: list[tuple], kinds: list[str], todo: list[int]) -> list[Task]:
    """Runs an engine may train together, as tasks (cut to the engine's largest group)."""
    groups: dict[tuple, list[int]] = {}
    for i in todo:
        config = runs[i][0]
        groups.setdefault((kinds[i], get_engine(kinds[i]).group_key(config)), []).append(i)
    tasks = []
    for (kind, _), ids in groups.items():
        limit = get_engine(kind).max_members or len(ids)
        for start in range(0, len(ids), limit):
            part = ids[start : start + limit]
            configs = tuple(runs[i][0] for i in part)
            split = _config_split(configs[0])
            rates = {}
            if kind == "vectorized":  # once here, not again in every worker
                steps = math.ceil(len(split.y_train) / configs[0]["batch_size"])
                rates = schedule_tables(configs, steps * configs[0]["epochs"])
            tasks.append(
                Task(kind, split, configs, tuple(runs[i][1] for i in part), tuple(part), rates)
            )
    return tasks


def _run_groups(tasks, executor, out_path, progress) -> list[pd.DataFrame]:
    """Train the tasks; write each finished one to ``out`` at once; tag rows with ``_run``.

    Without ``out``, the arrays of the vectorised engine's tasks are kept as they arrive and
    turned into frames at the end, many tasks per frame (:func:`_frames_from_arrays`): the
    client's share of the work, which no worker can take, stays small.
    """
    done: list[pd.DataFrame] = []
    arrays: list[tuple[Task, TaskResult]] = []

    def finished(task: Task, result: pd.DataFrame | TaskResult) -> None:
        if isinstance(result, TaskResult) and out_path is None:
            arrays.append((task, result))
        else:
            frame = result.frame(task) if isinstance(result, TaskResult) else result
            if out_path is not None:
                _append(out_path, frame)
            done.append(frame.assign(_run=np.repeat(task.ids, len(frame) // len(task))))
        bar.update(len(task))

    with _progress_bar(sum(len(t) for t in tasks), progress) as bar:
        run_tasks(tasks, executor, finished)
    if out_path is not None:
        _consolidate(out_path)
    return done + _frames_from_arrays(arrays)


def _frames_from_arrays(results: list[tuple[Task, TaskResult]]) -> list[pd.DataFrame]:
    """One frame per kind of task (engine, updates per epoch, epochs, splits), rows tagged."""
    kinds: dict[tuple, list[tuple[Task, TaskResult]]] = {}
    for task, result in results:
        shape = next(iter(result.metrics.values())).shape[1]
        key = (result.engine, result.steps_per_epoch, shape, tuple(sorted(result.metrics)))
        kinds.setdefault(key, []).append((task, result))
    frames = []
    for (engine, steps, _, names), part in kinds.items():
        whole = Task(
            engine,
            part[0][0].split,
            tuple(c for task, _ in part for c in task.configs),
            tuple(s for task, _ in part for s in task.seeds),
            tuple(i for task, _ in part for i in task.ids),
        )
        metrics = {n: np.concatenate([result.metrics[n] for _, result in part]) for n in names}
        frame = TaskResult(engine, steps, metrics).frame(whole)
        frames.append(frame.assign(_run=np.repeat(whole.ids, len(frame) // len(whole))))
    return frames


def _order_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame, ordered by run (grid order, then seed), epoch, split and metric."""
    frame = pd.concat(frames, ignore_index=True)
    order = np.lexsort(
        (
            pd.Categorical(frame["metric"], categories=METRICS).codes,
            pd.Categorical(frame["split"], categories=SPLITS).codes,
            frame["epoch"].to_numpy(),
            frame["_run"].to_numpy(),
        )
    )  # a stable sort on integer codes: the last key is the first sorted on
    # every part is normalised already (by group_frame or read_results): only reorder
    return frame.take(order).loc[:, list(HISTORY_COLUMNS)].reset_index(drop=True)
