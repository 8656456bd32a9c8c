"""Train one configuration, or sweep a grid of them over several seeds.

Both return the package's one currency, a tidy long frame (see :mod:`banknote_gd.frames`):
one row per configuration, seed, epoch, split and metric.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import cache as result_cache
from ._checks import check_bool, check_choice, check_int, check_positive_float, check_seeds
from ._random import batch_order
from .data import Split, load_banknotes, split_data
from .engine import supports, train_group
from .frames import CONFIG_COLUMNS, HISTORY_COLUMNS, RUN_COLUMNS, group_frame, normalize_history
from .optimizers import OPTIMIZERS, get_spec
from .schedules import SCHEDULES, learning_rates, make_schedule

__all__ = ["PARAMETERS", "read_results", "sweep", "train"]

PARAMETERS: dict[str, Any] = {
    "optimizer": "sgd",
    "learning_rate": None,
    "batch_size": 32,
    "schedule": "constant",
    "hidden_units": 0,
    "standardize": True,
    "epochs": 10,
}
"""The hyper-parameters a grid may vary, with their defaults (``learning_rate=None`` means
the optimizer's default: 0.01 for the SGD family, 0.001 for the others)."""

ENGINES = ("auto", "vectorized", "fit")


def _resolve(params: Mapping[str, Any], *, n_train: int | None = None) -> dict[str, Any]:
    """Validate one configuration and fill in the defaults."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise ValueError(f"Unknown parameter(s) {unknown}; allowed: {', '.join(PARAMETERS)}.")
    config = {**PARAMETERS, **params}
    config["optimizer"] = check_choice("optimizer", config["optimizer"], OPTIMIZERS)
    if config["learning_rate"] is None:
        config["learning_rate"] = get_spec(config["optimizer"]).default_learning_rate
    config["learning_rate"] = check_positive_float("learning_rate", config["learning_rate"])
    config["batch_size"] = check_int("batch_size", config["batch_size"], minimum=1, maximum=n_train)
    config["schedule"] = check_choice("schedule", config["schedule"], SCHEDULES)
    config["hidden_units"] = check_int("hidden_units", config["hidden_units"], minimum=0)
    config["standardize"] = check_bool("standardize", config["standardize"])
    config["epochs"] = check_int("epochs", config["epochs"], minimum=1)
    return {c: config[c] for c in CONFIG_COLUMNS}


_splits: dict[bool, Split] = {}


def _split_for(standardize: bool) -> Split:
    """The course's split (test_size 0.3, random_state 42), computed once per process."""
    if standardize not in _splits:
        _splits[standardize] = split_data(load_banknotes(), standardize=standardize)
    return _splits[standardize]


def _fit_run(split: Split, config: dict[str, Any], seed: int, *, activation: str = "relu"):
    """Train one run with ``model.fit``: the reference engine."""
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
    names = {
        ("train", "loss"): "loss",
        ("train", "accuracy"): "accuracy",
        ("test", "loss"): "val_loss",
        ("test", "accuracy"): "val_accuracy",
    }
    values: dict[tuple[str, str], list[float]] = {key: [] for key in names}
    for epoch in range(epochs):
        rows = order[epoch]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(
                split.X_train[rows],
                split.y_train[rows],
                batch_size=batch_size,
                epochs=1,
                shuffle=False,
                verbose=0,
                validation_data=(split.X_test, split.y_test),
            ).history
        for key, name in names.items():
            values[key].append(float(history[name][-1]))
    metrics = {key: np.asarray(v)[None, :] for key, v in values.items()}
    frame = group_frame([config], [seed], steps_per_epoch=steps, metrics=metrics, engine="fit")
    return frame, model


def train(
    *,
    optimizer: str = "sgd",
    learning_rate: float | None = None,
    batch_size: int = 32,
    epochs: int = 10,
    schedule: str = "constant",
    hidden_units: int = 0,
    standardize: bool | None = None,
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
    seed
        Seed of the initial weights and of the batch order.
    data
        A :class:`banknote_gd.Split`; by default the course's split (test_size 0.3,
        random_state 42).
    return_model
        Also return the trained Keras model.

    Returns
    -------
    pandas.DataFrame or tuple
        The history, ``4 * epochs`` rows (train/test x loss/accuracy per epoch), with the
        columns described in :mod:`banknote_gd.frames`; and the model if ``return_model``.

    Examples
    --------
    >>> history = train(learning_rate=0.1, batch_size=16, epochs=5, seed=0)
    >>> history.shape
    (20, 15)
    """
    if standardize is not None:
        standardize = check_bool("standardize", standardize)
    if data is None:
        data = _split_for(True if standardize is None else standardize)
    elif not isinstance(data, Split):
        raise TypeError(
            f"data must be a banknote_gd.Split from split_data(), got {type(data).__name__}."
        )
    elif standardize is not None and bool(standardize) != data.standardized:
        raise ValueError(
            f"standardize={standardize!r} contradicts data, which was split with "
            f"standardize={data.standardized}; leave standardize out when passing data."
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
            "epochs": epochs,
        },
        n_train=data.X_train.shape[0],
    )
    frame, model = _fit_run(data, config, seed)
    return (frame, model) if return_model else frame


def _check_grid(grid: Mapping[str, Any] | None, fixed: Mapping[str, Any]) -> dict[str, list]:
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise TypeError(
            f"grid must be a dict of parameter name -> list of values, got {type(grid).__name__}."
        )
    unknown = sorted(set(grid) - set(PARAMETERS))
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {unknown} in grid; allowed: {', '.join(PARAMETERS)}."
        )
    unknown = sorted(set(fixed) - set(PARAMETERS))
    if unknown:
        raise ValueError(f"Unknown parameter(s) {unknown}; allowed: {', '.join(PARAMETERS)}.")
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
    if not path.is_file():
        raise FileNotFoundError(
            f"No results file at {path}; write one with sweep(..., out=path) or "
            "banknote-gd sweep --out PATH."
        )
    try:
        frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError) as error:  # pandas' ParserError is a ValueError
        raise ValueError(
            f"{path} could not be read as a results table ({type(error).__name__}: {error})."
        ) from error
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} is not a results file written by sweep(): it lacks the column(s) {missing}."
        )
    return normalize_history(frame)


def _append(path: Path, frame: pd.DataFrame) -> None:
    """Add ``frame`` to the results file (atomically for Parquet, by appending for CSV)."""
    if path.suffix.lower() == ".csv":
        frame.to_csv(
            path, mode="a", header=not path.exists() or path.stat().st_size == 0, index=False
        )
        return
    if path.exists():
        frame = pd.concat([read_results(path), frame], ignore_index=True)
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _run_key(row: Mapping[str, Any]) -> tuple:
    return tuple(
        float(row[c]) if c == "learning_rate" else (bool(row[c]) if c == "standardize" else row[c])
        for c in RUN_COLUMNS
    )


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
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    seeds: int | Sequence[int] = 5,
    epochs: int | None = None,
    engine: str = "auto",
    progress: bool | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = True,
    cache: bool | None = None,
    **fixed: Any,
) -> pd.DataFrame:
    """Train every combination of ``grid`` for every seed; return one long frame.

    Parameters
    ----------
    grid
        ``{parameter: [values]}`` for any of ``optimizer, learning_rate, batch_size,
        schedule, hidden_units, standardize, epochs`` (see :data:`PARAMETERS`). Every
        combination is trained.
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
    resume
        Reuse the runs already in ``out``; if False, ``out`` is overwritten.
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
    >>> frame.shape  # 4 rates x 10 seeds x 10 epochs x 2 splits x 2 metrics
    (1600, 15)
    """
    grid = _check_grid(grid, fixed)
    if epochs is not None and "epochs" in grid:
        raise ValueError("epochs is both in grid and given as epochs=; give it once.")
    if epochs is not None:
        fixed = {**fixed, "epochs": epochs}
    seed_list = check_seeds(seeds)
    check_choice("engine", engine, ENGINES)
    out_path = _check_out(out)

    names = list(grid)
    configs = []
    for combo in itertools.product(*(grid[n] for n in names)):
        configs.append(_resolve({**fixed, **dict(zip(names, combo))}))
    for config in configs:  # only now load the data: bad arguments fail fast, offline too
        n_train = _split_for(config["standardize"]).X_train.shape[0]
        check_int("batch_size", config["batch_size"], minimum=1, maximum=n_train)
    runs = [(config, seed) for config in configs for seed in seed_list]

    use_fit = [engine == "fit" or not supports(config["optimizer"]) for config, _ in runs]
    if engine == "vectorized" and any(use_fit):
        missing = sorted({c["optimizer"] for (c, _), f in zip(runs, use_fit) if f})
        raise ValueError(
            f"engine='vectorized' does not implement optimizer(s) {missing}; "
            f"use engine='auto' or 'fit'."
        )
    if engine == "auto" and any(use_fit):
        missing = sorted({c["optimizer"] for (c, _), f in zip(runs, use_fit) if f})
        warnings.warn(
            f"The vectorised engine does not implement {missing}: training those "
            f"{sum(use_fit)} runs one by one with model.fit (slower; engine column 'fit').",
            stacklevel=2,
        )

    use_cache = bool(os.environ.get(result_cache.ENV_VAR)) if cache is None else bool(cache)
    key = None
    if use_cache:
        key = result_cache.cache_key(
            {"runs": [[config, seed, fit] for (config, seed), fit in zip(runs, use_fit)]}
        )
        cached = result_cache.load(key)
        if cached is not None:
            cached = normalize_history(cached)
            if out_path is not None:
                if out_path.exists():
                    out_path.unlink()
                _append(out_path, cached)
            return cached

    index = {_run_key({**config, "seed": seed}): i for i, (config, seed) in enumerate(runs)}
    done: list[pd.DataFrame] = []
    finished: set[int] = set()
    if out_path is not None and out_path.exists():
        if resume:
            previous = read_results(out_path)
            keys = previous.loc[:, list(RUN_COLUMNS)].apply(_run_key, axis=1)
            previous = previous[keys.isin(index).to_numpy()]
            finished = {index[k] for k in keys if k in index}
            done.append(previous)
            # rewrite the file with only this sweep's runs, so it describes this sweep
            out_path.unlink()
            if not previous.empty:
                _append(out_path, previous)
        else:
            out_path.unlink()

    todo = [i for i in range(len(runs)) if i not in finished]
    groups: dict[tuple, list[int]] = {}
    for i in todo:
        config, _ = runs[i]
        group = (
            "fit" if use_fit[i] else "vectorized",
            config["optimizer"],
            config["batch_size"],
            config["hidden_units"],
            config["standardize"],
            config["epochs"],
            i if use_fit[i] else None,
        )
        groups.setdefault(group, []).append(i)

    lr_tables: dict[tuple, np.ndarray] = {}
    with _progress_bar(len(todo), progress) as bar:
        for (
            kind,
            optimizer,
            batch_size,
            hidden,
            standardize,
            n_epochs,
            _,
        ), members in groups.items():
            split = _split_for(standardize)
            if kind == "fit":
                (i,) = members
                frame, _model = _fit_run(split, *runs[i])
            else:
                steps = math.ceil(split.X_train.shape[0] / batch_size)
                table = []
                for i in members:
                    config = runs[i][0]
                    lr_key = (config["schedule"], config["learning_rate"], steps * n_epochs)
                    if lr_key not in lr_tables:
                        lr_tables[lr_key] = learning_rates(*lr_key)
                    table.append(lr_tables[lr_key])
                result = train_group(
                    split,
                    optimizer=optimizer,
                    batch_size=batch_size,
                    epochs=n_epochs,
                    hidden_units=hidden,
                    seeds=[runs[i][1] for i in members],
                    learning_rates=np.stack(table),
                )
                frame = group_frame(
                    [runs[i][0] for i in members],
                    [runs[i][1] for i in members],
                    steps_per_epoch=result.steps_per_epoch,
                    metrics=result.metrics,
                    engine="vectorized",
                )
            if out_path is not None:
                _append(out_path, frame)
            done.append(frame)
            bar.update(len(members))

    frame = pd.concat(done, ignore_index=True) if done else None
    frame = normalize_history(frame)
    order = frame.loc[:, list(RUN_COLUMNS)].apply(_run_key, axis=1).map(index)
    split_rank = frame["split"].map({"train": 0, "test": 1})
    metric_rank = frame["metric"].map({"loss": 0, "accuracy": 1})
    frame = frame.assign(_run=order.to_numpy(), _s=split_rank, _m=metric_rank)
    frame = frame.sort_values(["_run", "epoch", "_s", "_m"], kind="stable")
    frame = normalize_history(frame.drop(columns=["_run", "_s", "_m"]))
    if key is not None:
        result_cache.store(key, frame)
    return frame
