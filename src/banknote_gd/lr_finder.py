r"""Find a learning rate without a grid: the learning-rate range test.

Leslie N. Smith (2017), *Cyclical Learning Rates for Training Neural Networks*: train once
while the learning rate grows from tiny to huge, record the loss of every mini-batch, and
read off where the loss falls fastest and where it blows up. One short run replaces a grid
search's many.

Here the rate of update $t$ (from 0) of a run of $T$ updates is

$$\eta_t = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{t/(T-1)},$$

evenly spaced on a log scale (Keras's ``ExponentialDecay`` with a growth factor). The run
stops early once the smoothed loss exceeds ``stop_factor`` (4) times the lowest smoothed loss
seen, or is no longer finite: past that point the loss only says "too large".

Examples
--------
>>> frame = lr_range_test(steps=30, min_lr=1e-3, max_lr=100.0)
>>> list(frame.columns[:4])
['step', 'learning_rate', 'loss', 'smoothed_loss']
>>> rate = suggest_learning_rate(frame)
>>> bool(1e-3 < rate < 100.0)
True
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import check_choice, check_columns, check_int, check_positive_float
from ._random import batch_order
from .curvature import _resolve_data
from .data import Split
from .models import build_model
from .optimizers import OPTIMIZERS

if TYPE_CHECKING:
    import matplotlib.axes

__all__ = ["LR_RANGE_COLUMNS", "RULES", "lr_range_test", "plot_lr_range", "suggest_learning_rate"]

LR_RANGE_COLUMNS: tuple[str, ...] = (
    "step",
    "learning_rate",
    "loss",
    "smoothed_loss",
    "optimizer",
    "batch_size",
    "hidden_units",
    "standardize",
    "seed",
)
"""Columns of the frame :func:`lr_range_test` returns, in order."""

RULES: dict[str, str] = {
    "steepest": "the rate where the smoothed loss falls fastest per decade of rate, before its "
    "minimum",
    "minimum": "one tenth of the rate at the minimum of the smoothed loss",
}
"""The rules :func:`suggest_learning_rate` knows, with what each picks."""

_DASHES = ["-", (0, (5, 1.5)), (0, (3, 1, 1, 1)), (0, (8, 2))]
"""Line style of each run's smoothed loss, so that runs differ by more than colour."""

_RUN = ("optimizer", "batch_size", "hidden_units", "standardize", "seed")


def _rates(min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """The rate of each update, log-evenly spaced from ``min_lr`` to ``max_lr``."""
    return min_lr * (max_lr / min_lr) ** (np.arange(steps) / max(steps - 1, 1))


def _batches(n: int, batch_size: int, steps: int, seed: int) -> np.ndarray:
    """Row indices of ``steps`` batches in the package's seeded order, epoch after epoch.

    Every epoch is one permutation of the rows cut into batches as ``fit`` cuts them (the
    last one smaller when ``batch_size`` does not divide ``n``); only full batches are used
    here, so that every recorded loss is over ``batch_size`` rows.
    """
    per_epoch = n // batch_size
    epochs = math.ceil(steps / per_epoch)
    order = batch_order(seed, n_samples=n, epochs=epochs)[:, : per_epoch * batch_size]
    return order.reshape(epochs * per_epoch, batch_size)[:steps]


def _smooth(loss: np.ndarray, beta: float) -> np.ndarray:
    """Exponential moving average with bias correction (as Adam corrects its moments)."""
    average, out = 0.0, np.empty_like(loss)
    for t, value in enumerate(loss, start=1):
        average = beta * average + (1.0 - beta) * value
        out[t - 1] = average / (1.0 - beta**t)
    return out


def _recorder(beta: float, stop_factor: float | None):
    """A Keras callback that records each batch's loss and stops when it blows up.

    Keras reports the running mean of the epoch's losses after each batch; the batch's own
    loss is recovered from two consecutive means (all batches have ``batch_size`` rows).
    """
    import keras

    class LossRecorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.losses: list[float] = []
            self._previous = 0.0
            self._average = 0.0
            self._best = math.inf

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            mean = float((logs or {})["loss"])
            k = batch + 1
            loss = k * mean - (k - 1) * self._previous
            self._previous = mean
            self.losses.append(loss)
            self._average = beta * self._average + (1.0 - beta) * loss
            smoothed = self._average / (1.0 - beta**k)
            self._best = min(self._best, smoothed)
            too_high = stop_factor is not None and smoothed > stop_factor * self._best
            if not math.isfinite(smoothed) or too_high:
                self.model.stop_training = True

    return LossRecorder()


def _check_test_args(
    optimizer: Any, min_lr: Any, max_lr: Any, steps: Any, smoothing: Any, stop_factor: Any
) -> tuple[str, float, float, int, float, float | None]:
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    min_lr = check_positive_float("min_lr", min_lr)
    max_lr = check_positive_float("max_lr", max_lr)
    if not min_lr < max_lr:
        raise ValueError(f"min_lr must be smaller than max_lr, got {min_lr!r} and {max_lr!r}.")
    steps = check_int("steps", steps, minimum=5)
    if isinstance(smoothing, bool) or not isinstance(smoothing, numbers.Real):
        raise TypeError(f"smoothing must be a number in [0, 1), got {smoothing!r}.")
    if not 0.0 <= float(smoothing) < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}.")
    if stop_factor is not None:
        stop_factor = check_positive_float("stop_factor", stop_factor)
        if stop_factor <= 1.0:
            raise ValueError(f"stop_factor must be > 1 (or None), got {stop_factor!r}.")
    return optimizer, min_lr, max_lr, steps, float(smoothing), stop_factor


def lr_range_test(
    *,
    optimizer: str = "sgd",
    min_lr: float = 1e-4,
    max_lr: float = 10.0,
    steps: int = 100,
    batch_size: int = 32,
    standardize: bool | None = None,
    hidden_units: int = 0,
    seed: int = 0,
    data: Split | None = None,
    smoothing: float = 0.9,
    stop_factor: float | None = 4.0,
) -> pd.DataFrame:
    """The learning-rate range test (Smith, 2017): one run with the rate rising exponentially.

    A fresh model (:func:`banknote_gd.build_model`, initial weights from ``seed``) is
    trained with Keras ``fit`` on batches in the package's seeded order, with the rate of
    update $t$ equal to ``min_lr * (max_lr / min_lr) ** (t / (steps - 1))``. The loss of
    each batch, measured before its update, is recorded. The run stops early when the
    smoothed loss exceeds ``stop_factor`` times the lowest smoothed loss so far, or stops
    being finite.

    Parameters
    ----------
    optimizer
        A name from :func:`banknote_gd.available_optimizers`.
    min_lr, max_lr
        The rates of the first and of the last update (0 < min_lr < max_lr).
    steps
        Updates if the run does not stop early (>= 5); each uses a full batch.
    batch_size
        Rows per update, from 1 to the number of training rows.
    standardize
        Standardise the features (default True; with ``data``, leave it out).
    hidden_units
        0 for logistic regression, else the units of one hidden ReLU layer.
    seed
        Seed of the initial weights and of the batch order.
    data
        A :class:`banknote_gd.Split`; by default the course's split. Only its training rows
        are used.
    smoothing
        $\\beta$ of the exponential moving average of the loss, in [0, 1):
        $a_t = \\beta a_{t-1} + (1 - \\beta)\\,\\ell_t$, reported as
        $a_t / (1 - \\beta^t)$ (bias-corrected). 0 turns smoothing off.
    stop_factor
        Stop once the smoothed loss exceeds this many times its lowest value (> 1);
        ``None`` runs all ``steps`` unless the loss stops being finite.

    Returns
    -------
    pandas.DataFrame
        One row per update taken, columns :data:`LR_RANGE_COLUMNS`: ``step`` (1-based),
        ``learning_rate`` (of that update), ``loss`` (of that batch, before the update),
        ``smoothed_loss`` and the run's ``optimizer``, ``batch_size``, ``hidden_units``,
        ``standardize`` and ``seed``.

    Examples
    --------
    >>> frame = lr_range_test(optimizer="adam", steps=20, min_lr=1e-3, max_lr=1.0, seed=1)
    >>> len(frame) <= 20, float(frame["learning_rate"].iloc[0])
    (True, 0.001)
    """
    optimizer, min_lr, max_lr, steps, beta, stop_factor = _check_test_args(
        optimizer, min_lr, max_lr, steps, smoothing, stop_factor
    )
    data = _resolve_data(data, standardize)
    n = data.X_train.shape[0]
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n)
    hidden_units = check_int("hidden_units", hidden_units, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    losses = _run(
        data,
        optimizer,
        min_lr,
        max_lr,
        steps,
        batch_size,
        hidden_units,
        seed,
        _recorder(beta, stop_factor),
    )
    frame = pd.DataFrame(
        {
            "step": np.arange(1, len(losses) + 1),
            "learning_rate": _rates(min_lr, max_lr, steps)[: len(losses)],
            "loss": losses,
            "smoothed_loss": _smooth(losses, beta),
        }
    )
    config = dict(zip(_RUN, (optimizer, batch_size, hidden_units, data.standardized, seed)))
    return frame.assign(**config)


def _run(
    data: Split,
    optimizer: str,
    min_lr: float,
    max_lr: float,
    steps: int,
    batch_size: int,
    hidden_units: int,
    seed: int,
    recorder: Any,
) -> np.ndarray:
    """Train the one run of the range test; return the recorded batch losses."""
    import keras

    keras.backend.clear_session()
    schedule = keras.optimizers.schedules.ExponentialDecay(
        min_lr, decay_steps=max(steps - 1, 1), decay_rate=max_lr / min_lr
    )
    model = build_model(
        hidden_units=hidden_units,
        optimizer=optimizer,
        learning_rate=schedule,
        seed=seed,
        n_features=data.X_train.shape[1],
    )
    rows = _batches(data.X_train.shape[0], batch_size, steps, seed).reshape(-1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model.fit(
            data.X_train[rows],
            data.y_train[rows],
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[recorder],
        )
    return np.asarray(recorder.losses, dtype=np.float64)


def _one_run(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Check ``frame`` is one range test; return its finite rows."""
    check_columns(frame, ("learning_rate", "loss", "smoothed_loss"), what=what)
    keys = [c for c in _RUN if c in frame.columns]
    if keys and len(frame.drop_duplicates(keys)) > 1:
        raise ValueError(
            f"frame holds {len(frame.drop_duplicates(keys))} range tests (several {keys}); "
            f"{what} reads one: select it first, e.g. frame[frame.optimizer == 'sgd']."
        )
    finite = frame[np.isfinite(frame["smoothed_loss"]) & (frame["learning_rate"] > 0)]
    if len(finite) < 3:
        raise ValueError(f"frame has {len(finite)} finite rows; {what} needs at least 3.")
    return finite.sort_values("learning_rate")


def suggest_learning_rate(frame: pd.DataFrame, *, rule: str = "steepest") -> float:
    """The learning rate a range test suggests, by a stated rule.

    Rules (:data:`RULES`):

    ``"steepest"``
        The rate at which the smoothed loss falls fastest per decade of rate: the most
        negative slope of ``smoothed_loss`` against ``log10(learning_rate)``, each slope
        taken across a window of a tenth of the run (a twentieth on either side), at rates
        up to the minimum of the smoothed loss, skipping the first tenth of the run (where
        the moving average warms up). Smith (2017) reads the good range off where the loss
        falls; this is its steepest point.
    ``"minimum"``
        One tenth of the rate at which the smoothed loss is lowest. At the minimum the rate
        is already nearly too large (the loss is about to rise); a tenth of it is a common,
        more cautious choice.

    Parameters
    ----------
    frame
        The frame :func:`lr_range_test` returns (one run).
    rule
        ``"steepest"`` or ``"minimum"``.

    Returns
    -------
    float
        The suggested learning rate.

    Raises
    ------
    ValueError
        For an unknown rule, a frame with several runs or fewer than 3 finite rows.

    Examples
    --------
    >>> rates = np.geomspace(1e-3, 10, 41)
    >>> loss = 1 / (1 + rates) + rates**2 / 10  # falls, then rises
    >>> frame = pd.DataFrame({"learning_rate": rates, "loss": loss, "smoothed_loss": loss})
    >>> round(suggest_learning_rate(frame, rule="minimum"), 3)  # lowest at rate 1
    0.1
    >>> round(suggest_learning_rate(frame), 3)
    0.398
    """
    check_choice("rule", rule, RULES)
    run = _one_run(frame, "suggest_learning_rate")
    rates, smooth = run["learning_rate"].to_numpy(), run["smoothed_loss"].to_numpy()
    lowest = int(np.argmin(smooth))
    if rule == "minimum":
        return float(rates[lowest] / 10.0)
    return float(rates[_steepest(np.log10(rates), smooth, lowest)])


def _steepest(x: np.ndarray, smooth: np.ndarray, lowest: int) -> int:
    """Index of the most negative slope of ``smooth`` over ``x``, at or before ``lowest``.

    The slope at point ``i`` is the secant from ``i - h`` to ``i + h`` with ``h`` a
    twentieth of the run, so that the noise of single batches does not decide; the first
    tenth of the run (where the moving average is still warming up) is skipped.
    """
    n = len(x)
    h, skip = max(1, n // 20), max(1, n // 10)
    candidates = np.arange(min(skip, lowest), lowest + 1)
    lo, hi = np.maximum(candidates - h, 0), np.minimum(candidates + h, n - 1)
    slope = (smooth[hi] - smooth[lo]) / (x[hi] - x[lo])
    return int(candidates[np.argmin(slope)])


def plot_lr_range(
    frame: pd.DataFrame,
    *,
    ax: matplotlib.axes.Axes | None = None,
    rule: str | None = "steepest",
    title: str | None = None,
) -> matplotlib.axes.Axes:
    """Draw a range test: loss against learning rate (log axis), with the suggested rate.

    Parameters
    ----------
    frame
        The frame :func:`lr_range_test` returns; several runs (concatenated) are drawn one
        colour each, labelled by what tells them apart (optimizer, seed, ...).
    ax
        Axes to draw on; a new figure when ``None``.
    rule
        Mark each run's suggestion by this rule of :func:`suggest_learning_rate` with a
        dotted vertical line; ``None`` marks nothing.
    title
        Title of the axes; by default it says what is drawn.

    Returns
    -------
    matplotlib.axes.Axes
        The batch losses as faint points, the smoothed loss as a line, x axis "learning
        rate (log scale)", y axis "training loss (binary cross-entropy)".

    Examples
    --------
    >>> rates = np.geomspace(1e-3, 10, 41)
    >>> loss = 1 / (1 + rates) + rates**2 / 10
    >>> frame = pd.DataFrame({"learning_rate": rates, "loss": loss, "smoothed_loss": loss})
    >>> ax = plot_lr_range(frame)
    >>> ax.get_xscale(), ax.get_xlabel()
    ('log', 'learning rate (log scale)')
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import PALETTE, _style

    check_columns(frame, ("learning_rate", "loss", "smoothed_loss"), what="plot_lr_range")
    if rule is not None:
        check_choice("rule", rule, RULES)
    runs = _split_runs(frame)
    with _style():
        if ax is None:
            _, ax = plt.subplots(figsize=(9.5, 4.8), layout="constrained")
        colors = sns.color_palette(PALETTE, max(len(runs), 1))
        for i, ((label, run), color) in enumerate(zip(runs.items(), colors)):
            _draw_run(ax, run, label, color, rule, _DASHES[i % len(_DASHES)])
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("training loss (binary cross-entropy)")
        _clip_y(ax, frame)
        ax.set_title(
            title
            or "Learning-rate range test: the loss as the rate grows\n"
            "points: the loss of each batch; lines: its moving average"
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    return ax


def _split_runs(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The runs of ``frame``, labelled by the run columns that vary between them."""
    keys = [c for c in _RUN if c in frame.columns]
    varying = [c for c in keys if len(pd.unique(frame[c])) > 1]
    if not varying:
        label = str(frame["optimizer"].iloc[0]) if "optimizer" in frame.columns else "range test"
        return {label: frame}
    return {
        ", ".join(
            f"{c}={v}" for c, v in zip(varying, key if isinstance(key, tuple) else (key,))
        ): run
        for key, run in frame.groupby(varying, sort=False)
    }


def _draw_run(
    ax: Any, run: pd.DataFrame, label: str, color: Any, rule: str | None, dashes: Any
) -> None:
    run = run.sort_values("learning_rate")
    finite = run[np.isfinite(run["loss"])]
    ax.plot(
        finite["learning_rate"],
        finite["loss"],
        "o",
        ms=3,
        alpha=0.35,
        color=color,
        markeredgewidth=0,
    )
    ax.plot(
        run["learning_rate"],
        run["smoothed_loss"],
        lw=2,
        ls=dashes,
        color=color,
        label=f"{label} (smoothed)",
    )
    if rule is not None and len(finite) >= 3:
        rate = suggest_learning_rate(run, rule=rule)
        ax.axvline(
            rate, color=color, ls=":", lw=1.6, label=f"{label}: suggested {rate:.3g} ({rule})"
        )


def _clip_y(ax: Any, frame: pd.DataFrame) -> None:
    """Keep the interesting part in view: from below the lowest loss to a bit above the start."""
    smooth = frame["smoothed_loss"][np.isfinite(frame["smoothed_loss"])]
    loss = frame["loss"][np.isfinite(frame["loss"])]
    if len(smooth) and len(loss):
        top = max(float(smooth.iloc[:5].max()) * 1.6, float(smooth.min()) * 2)
        ax.set_ylim(max(0.0, float(loss.min()) * 0.9 - 0.02), top)
