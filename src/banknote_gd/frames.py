"""The tidy long format that every part of the package speaks.

:func:`banknote_gd.train` and :func:`banknote_gd.sweep` return one row per configuration,
seed, epoch, split and metric; every plot function takes that frame.

Columns
-------
The configuration columns come first, one per entry of
:data:`banknote_gd.parameters.PARAMETER_TABLE`, in its order:

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
validation_size : float
    Fraction of the training rows held out (stratified) as validation rows; 0 for none.
split_seed : int
    ``random_state`` of the train/test split and of the validation carve-out.
epochs : int
    Number of epochs the run was asked for.

Then the run, the time and the measurement:

seed : int
    Seed of the initial weights and of the batch order.
epoch : int
    Epoch at whose end the value was recorded (1-based).
step : int
    Number of updates (optimizer steps) taken by the end of that epoch.
split : {"train", "train_running", "validation", "test"}
    Which rows, and when, the value was measured on:

    * ``"train"``: the weights at the end of the epoch, evaluated on all the (remaining)
      training rows. The number to compare settings on.
    * ``"train_running"``: the mean over the epoch's batches, weighted by batch size and
      measured before each batch's update, as Keras's ``fit`` history reports ``loss``. It
      lags the model, by an amount that depends on the batch size.
    * ``"validation"``: the end-of-epoch weights on the validation rows; only present when
      ``validation_size > 0``. Choose settings on it.
    * ``"test"``: the end-of-epoch weights on the held-out test rows.
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

from .parameters import PARAMETER_TABLE

if TYPE_CHECKING:
    import numpy as np

CONFIG_COLUMNS: tuple[str, ...] = tuple(PARAMETER_TABLE)
"""The hyper-parameters that define one configuration, in column order (from
:data:`banknote_gd.parameters.PARAMETER_TABLE`)."""

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

SPLITS: tuple[str, ...] = ("train", "train_running", "validation", "test")
"""The values of the ``split`` column, in the order rows are sorted."""
METRICS: tuple[str, ...] = ("loss", "accuracy")
"""The values of the ``metric`` column, in the order rows are sorted."""

_DTYPES = {
    **{name: p.dtype for name, p in PARAMETER_TABLE.items()},
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
    for column in (c for c, dtype in _DTYPES.items() if dtype == "object"):
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
    >>> from banknote_gd.parameters import resolve_config
    >>> config = resolve_config({"learning_rate": 0.1, "epochs": 2})
    >>> values = {("train", "loss"): [0.5, 0.3], ("test", "loss"): [0.4, 0.3]}
    >>> history_frame(config, 0, steps_per_epoch=30, metrics=values, engine="fit").shape
    (4, 17)
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
        Rows ordered by run, then epoch, then split and metric (in the orders of
        :data:`SPLITS` and :data:`METRICS`).
    """
    import numpy as np

    keys = sorted(metrics, key=lambda k: (SPLITS.index(k[0]), METRICS.index(k[1])))
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
