"""The tidy long format that every part of the package speaks.

:func:`banknote_gd.train` and :func:`banknote_gd.sweep` return one row per configuration,
seed, epoch, split and metric; every plot function takes that frame.

Columns
-------
optimizer : str
    Registry name of the optimizer (see :func:`banknote_gd.available_optimizers`).
learning_rate : float
    Initial (peak) learning rate of the run.
batch_size : int
    Examples per update.
schedule : str
    Registry name of the learning-rate schedule (``"constant"`` for none).
hidden_units : int
    Units in the single hidden layer (0: logistic regression, no hidden layer).
standardize : bool
    Whether the features were standardised (scaler fitted on the training rows).
epochs : int
    Number of epochs the run was asked for.
seed : int
    Seed of the initial weights and of the batch order.
epoch : int
    Epoch at whose end the value was recorded (1-based).
step : int
    Number of updates (optimizer steps) taken by the end of that epoch.
split : {"train", "test"}
    ``"train"`` is the mean over the epoch's batches, as Keras reports it (weighted by batch
    size, measured before each batch's update); ``"test"`` is measured on the held-out rows
    at the end of the epoch.
metric : {"loss", "accuracy"}
    Binary cross-entropy or accuracy (threshold 0.5).
value : float
    The measured value; NaN or inf once a run has diverged.
diverged : bool
    True for every row of a run whose loss became NaN or infinite.
engine : {"vectorized", "fit"}
    Which training engine produced the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import numpy as np

CONFIG_COLUMNS: tuple[str, ...] = (
    "optimizer",
    "learning_rate",
    "batch_size",
    "schedule",
    "hidden_units",
    "standardize",
    "epochs",
)
"""The hyper-parameters that define one configuration, in column order."""

RUN_COLUMNS: tuple[str, ...] = (*CONFIG_COLUMNS, "seed")
"""A configuration plus its seed: the columns that identify one training run."""

HISTORY_COLUMNS: tuple[str, ...] = (
    *RUN_COLUMNS,
    "epoch",
    "step",
    "split",
    "metric",
    "value",
    "diverged",
    "engine",
)
"""Every column of a history frame, in order."""

SPLITS: tuple[str, ...] = ("train", "test")
METRICS: tuple[str, ...] = ("loss", "accuracy")

_DTYPES = {
    "optimizer": "object",
    "learning_rate": "float64",
    "batch_size": "int64",
    "schedule": "object",
    "hidden_units": "int64",
    "standardize": "bool",
    "epochs": "int64",
    "seed": "int64",
    "epoch": "int64",
    "step": "int64",
    "split": "object",
    "metric": "object",
    "value": "float64",
    "diverged": "bool",
    "engine": "object",
}


def normalize_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the history columns in order and with their documented dtypes.

    Used on every frame the package returns or reads back from disk, so a frame that went
    through CSV compares equal to the one that was written.
    """
    frame = frame.loc[:, list(HISTORY_COLUMNS)]
    out = frame.astype({k: v for k, v in _DTYPES.items() if v != "object"})
    for column in ("optimizer", "schedule", "split", "metric", "engine"):
        out[column] = out[column].astype(str).astype(object)
    return out.reset_index(drop=True)


def history_frame(
    config: dict,
    seed: int,
    *,
    steps_per_epoch: int,
    metrics: dict[tuple[str, str], list[float]],
    engine: str,
) -> pd.DataFrame:
    """Build the long frame of one run from per-epoch lists of values.

    Parameters
    ----------
    config
        The run's configuration, one value per name in :data:`CONFIG_COLUMNS`.
    seed
        The run's seed.
    steps_per_epoch
        Updates per epoch, used to fill the ``step`` column.
    metrics
        ``{(split, metric): [value at epoch 1, value at epoch 2, ...]}``.
    engine
        Name of the engine that trained the run.

    Examples
    --------
    >>> config = dict(optimizer="sgd", learning_rate=0.1, batch_size=32, schedule="constant",
    ...               hidden_units=0, standardize=True, epochs=2)
    >>> values = {("train", "loss"): [0.5, 0.3], ("test", "loss"): [0.4, 0.3]}
    >>> history_frame(config, 0, steps_per_epoch=30, metrics=values, engine="fit").shape
    (4, 15)
    """
    import numpy as np

    arrays = {key: np.asarray(values, dtype=np.float64)[None, :] for key, values in metrics.items()}
    return group_frame(
        [config], [seed], steps_per_epoch=steps_per_epoch, metrics=arrays, engine=engine
    )


def group_frame(
    configs: list[dict],
    seeds: list[int],
    *,
    steps_per_epoch: int,
    metrics: dict[tuple[str, str], np.ndarray],
    engine: str,
) -> pd.DataFrame:
    """Build the long frame of several runs at once.

    Parameters
    ----------
    configs, seeds
        One configuration and one seed per run (member).
    steps_per_epoch
        Updates per epoch (shared by the runs).
    metrics
        ``{(split, metric): array of shape (runs, epochs)}``.
    engine
        Name of the engine that trained the runs.

    Returns
    -------
    pandas.DataFrame
        Rows ordered by run, then epoch, then split and metric.
    """
    import numpy as np

    keys = list(metrics)
    values = np.stack([np.asarray(metrics[k], dtype=np.float64) for k in keys], axis=-1)
    runs, epochs, n_keys = values.shape
    diverged = np.zeros(runs, dtype=bool)
    for i, (_, metric) in enumerate(keys):
        if metric == "loss":
            diverged |= ~np.all(np.isfinite(values[:, :, i]), axis=1)
    run = np.repeat(np.arange(runs), epochs * n_keys)
    epoch = np.tile(np.repeat(np.arange(1, epochs + 1), n_keys), runs)
    key = np.tile(np.arange(n_keys), runs * epochs)
    columns: dict[str, object] = {
        c: np.asarray([cfg[c] for cfg in configs], dtype=object)[run] for c in CONFIG_COLUMNS
    }
    columns["seed"] = np.asarray(seeds, dtype=np.int64)[run]
    columns["epoch"] = epoch
    columns["step"] = epoch * int(steps_per_epoch)
    columns["split"] = np.asarray([k[0] for k in keys], dtype=object)[key]
    columns["metric"] = np.asarray([k[1] for k in keys], dtype=object)[key]
    columns["value"] = values.reshape(-1)
    columns["diverged"] = diverged[run]
    columns["engine"] = engine
    return normalize_history(pd.DataFrame(columns))
