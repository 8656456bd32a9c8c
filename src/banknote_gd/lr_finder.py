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

One test is one seed (one initial point, one order of batches) and its suggestion is noisy;
``seed=[0, 1, ...]`` runs one test per seed, all trained at once, and
:func:`suggest_learning_rate` then gives one suggestion per seed.

Examples
--------
>>> frame = lr_range_test(steps=30, min_lr=1e-3, max_lr=100.0)
>>> list(frame.columns[:4])
['step', 'learning_rate', 'loss', 'smoothed_loss']
>>> rate = suggest_learning_rate(frame)
>>> bool(1e-3 < rate < 100.0)
True
>>> by_seed = suggest_learning_rate(lr_range_test(steps=30, max_lr=100.0, seed=[0, 1, 2]))
>>> by_seed.index.name, len(by_seed)
('seed', 3)
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import check_choice, check_columns, check_int, check_positive_float
from ._random import batch_order, initial_weights
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


def _stop_index(loss: np.ndarray, beta: float, stop_factor: float | None) -> int:
    """How many updates of ``loss`` the test keeps: up to and including the first one whose
    smoothed loss exceeds ``stop_factor`` times the lowest so far, or is not finite."""
    with np.errstate(all="ignore"):
        smoothed = _smooth(loss, beta)
        stop = ~np.isfinite(smoothed)
        if stop_factor is not None:
            stop |= smoothed > stop_factor * np.fmin.accumulate(smoothed)
    return int(np.argmax(stop)) + 1 if stop.any() else len(loss)


def _check_seed(seed: Any) -> list[int]:
    """``seed`` (a whole number, or a sequence of distinct ones) as a list of seeds."""
    several = not isinstance(seed, numbers.Real)
    if several and (isinstance(seed, (str, bytes)) or not isinstance(seed, Iterable)):
        raise TypeError(
            f"seed must be a whole number >= 0 or a sequence of them, got {seed!r} "
            f"({type(seed).__name__})."
        )
    seeds = list(seed) if several else [seed]
    for value in seeds:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"seed must be a whole number, got {value!r} (bool).")
    seeds = [check_int("seed", value, minimum=0) for value in seeds]
    if not seeds:
        raise ValueError("seed must not be an empty sequence; give e.g. seed=0 or seed=range(5).")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seed must not repeat a seed, got {seeds}.")
    return seeds


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
    seed: int | Sequence[int] = 0,
    data: Split | None = None,
    smoothing: float = 0.9,
    stop_factor: float | None = 4.0,
) -> pd.DataFrame:
    """The learning-rate range test (Smith, 2017): one run with the rate rising exponentially.

    A fresh model (:func:`banknote_gd.build_model`, initial weights from ``seed``) is
    trained on batches in the package's seeded order, with the rate of update $t$ equal to
    ``min_lr * (max_lr / min_lr) ** (t / (steps - 1))``. The loss of each batch, measured
    before its update, is recorded. The run stops early when the smoothed loss exceeds
    ``stop_factor`` times the lowest smoothed loss so far, or stops being finite.

    With several seeds, all the runs are trained at once, stacked in one TensorFlow
    function (the vectorised engine's updates, :mod:`banknote_gd.engine`), each with its
    own weights, batches and early stop: the rows of a seed are those it gets alone.
    Optimizers that engine does not implement are trained with Keras ``fit``, seed by seed.

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
        Seed of the initial weights and of the batch order, or a sequence of distinct
        seeds: one range test per seed.
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
        One row per seed and update taken, columns :data:`LR_RANGE_COLUMNS`: ``step``
        (1-based), ``learning_rate`` (of that update), ``loss`` (of that batch, before the
        update), ``smoothed_loss`` and the run's ``optimizer``, ``batch_size``,
        ``hidden_units``, ``standardize`` and ``seed``.

    Examples
    --------
    >>> frame = lr_range_test(optimizer="adam", steps=20, min_lr=1e-3, max_lr=1.0, seed=1)
    >>> len(frame) <= 20, float(frame["learning_rate"].iloc[0])
    (True, 0.001)
    >>> frame = lr_range_test(steps=20, min_lr=1e-3, max_lr=1.0, seed=[0, 1, 2])
    >>> frame.groupby("seed").size().tolist()  # 20 updates each: none stopped early
    [20, 20, 20]
    """
    optimizer, min_lr, max_lr, steps, beta, stop_factor = _check_test_args(
        optimizer, min_lr, max_lr, steps, smoothing, stop_factor
    )
    data = _resolve_data(data, standardize)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=data.X_train.shape[0])
    hidden_units = check_int("hidden_units", hidden_units, minimum=0)
    seeds = _check_seed(seed)
    rates = _rates(min_lr, max_lr, steps)
    losses = _losses(data, optimizer, rates, batch_size, hidden_units, seeds)
    config = dict(zip(_RUN, (optimizer, batch_size, hidden_units, data.standardized)))
    frames = []
    for one_seed, loss in zip(seeds, losses):
        loss = loss[: _stop_index(loss, beta, stop_factor)]
        frame = pd.DataFrame(
            {
                "step": np.arange(1, len(loss) + 1),
                "learning_rate": rates[: len(loss)],
                "loss": loss,
                "smoothed_loss": _smooth(loss, beta),
            }
        )
        frames.append(frame.assign(**config, seed=one_seed))
    return pd.concat(frames, ignore_index=True)


def _losses(
    data: Split,
    optimizer: str,
    rates: np.ndarray,
    batch_size: int,
    hidden_units: int,
    seeds: list[int],
) -> np.ndarray:
    """The loss of every batch of every seed's run, shape (seeds, steps), none stopped early."""
    from .engine import supports

    n = data.X_train.shape[0]
    index = np.stack([_batches(n, batch_size, len(rates), s) for s in seeds], axis=1)
    if not supports(optimizer):
        return np.stack(
            [
                _keras_losses(data, optimizer, rates, index[:, m], hidden_units, s)
                for m, s in enumerate(seeds)
            ]
        )
    return _stacked_losses(data, optimizer, rates, index, hidden_units, seeds)


def _stacked_losses(
    data: Split,
    optimizer: str,
    rates: np.ndarray,
    index: np.ndarray,
    hidden_units: int,
    seeds: list[int],
) -> np.ndarray:
    """Train every seed's run at once; ``index`` holds the rows, shape (steps, seeds, batch)."""
    import tensorflow as tf

    from .engine import update_options
    from .optimizers import get_spec

    options = tuple(update_options(optimizer).items())
    run = _stacked_function(get_spec(optimizer).keras_class, options, bool(hidden_units))
    inits = [
        initial_weights(s, n_features=data.X_train.shape[1], hidden_units=hidden_units)
        for s in seeds
    ]
    losses = run(
        [tf.constant(np.stack(w)) for w in zip(*inits)],
        tf.constant(data.X_train, dtype=tf.float32),
        tf.constant(data.y_train, dtype=tf.float32),
        tf.constant(index.astype(np.int32)),
        tf.constant(np.repeat(rates[:, None], len(seeds), axis=1).astype(np.float32)),
    )
    return losses.numpy().T.astype(np.float64)


_STACKED: dict[tuple, Any] = {}
"""Traced training functions of :func:`_stacked_losses`, by update rule and architecture."""


def _stacked_function(keras_class: str, options: tuple, hidden: bool) -> Any:
    """A traced function: stacked weights, data, rows, rates -> losses (steps, members).

    Each update applies the vectorised engine's copy of the Keras optimizer
    (:data:`banknote_gd.engine.UPDATE_RULES`) to every member with its own gradient; the
    shapes are left open, so that one trace serves every batch size, seed count and steps.
    """
    key = (keras_class, options, hidden)
    if key in _STACKED:
        return _STACKED[key]
    import tensorflow as tf

    from .engine import UPDATE_RULES, _forward

    rule, settings, f32, spec = UPDATE_RULES[keras_class], dict(options), tf.float32, tf.TensorSpec
    params = [spec([None, None, 1], f32), spec([None, 1], f32)]
    if hidden:
        params = [spec([None, None, None], f32), spec([None, None], f32), *params]
    signature = [params, spec([None, None], f32), spec([None], f32)]
    signature += [spec([None, None, None], tf.int32), spec([None, None], f32)]

    @tf.function(input_signature=signature, autograph=False)
    def run(params, x, y, index, rates):
        def update(t, params, slots, losses):
            xb, yb = tf.gather(x, index[t]), tf.gather(y, index[t])
            with tf.GradientTape() as tape:
                tape.watch(params)
                logits = _forward(tf, params, xb, hidden)
                loss = tf.reduce_mean(
                    tf.nn.sigmoid_cross_entropy_with_logits(labels=yb, logits=logits), axis=1
                )
                total = tf.reduce_sum(loss)
            grads = tape.gradient(total, params)
            new = [
                rule.apply(
                    tf, settings, p, g, s, tf.reshape(rates[t], [-1] + [1] * (p.shape.rank - 1)), t
                )
                for p, g, s in zip(params, grads, slots)
            ]
            return t + 1, [p for p, _ in new], [s for _, s in new], losses.write(t, loss)

        slots = [rule.init(tf, p, settings) for p in params]
        losses = tf.TensorArray(f32, size=tf.shape(index)[0])
        state = (tf.constant(0), list(params), slots, losses)
        _, _, _, losses = tf.while_loop(lambda t, *_: t < tf.shape(index)[0], update, state)
        return losses.stack()  # noqa: PD013 (a TensorArray, not a DataFrame)

    _STACKED[key] = run
    return run


def _recorder():
    """A Keras callback that records the loss of each batch.

    Keras reports the running mean of the epoch's losses after each batch; the batch's own
    loss is recovered from two consecutive means (all batches have ``batch_size`` rows).
    """
    import keras

    class LossRecorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.losses: list[float] = []
            self._previous = 0.0

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            mean = float((logs or {})["loss"])
            self.losses.append((batch + 1) * mean - batch * self._previous)
            self._previous = mean

    return LossRecorder()


def _keras_losses(
    data: Split,
    optimizer: str,
    rates: np.ndarray,
    rows: np.ndarray,
    hidden_units: int,
    seed: int,
) -> np.ndarray:
    """One seed's run with Keras ``fit`` (``rows``: shape (steps, batch)); its batch losses."""
    import keras

    keras.backend.clear_session()
    steps, batch_size = rows.shape
    schedule = keras.optimizers.schedules.ExponentialDecay(
        float(rates[0]), decay_steps=max(steps - 1, 1), decay_rate=float(rates[-1] / rates[0])
    )
    model = build_model(
        hidden_units=hidden_units,
        optimizer=optimizer,
        learning_rate=schedule,
        seed=seed,
        n_features=data.X_train.shape[1],
    )
    recorder = _recorder()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        model.fit(
            data.X_train[rows.reshape(-1)],
            data.y_train[rows.reshape(-1)],
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[recorder],
        )
    return np.asarray(recorder.losses, dtype=np.float64)


def _varying(frame: pd.DataFrame) -> list[str]:
    """The run columns (:data:`_RUN`) that take more than one value in ``frame``."""
    return [c for c in _RUN if c in frame.columns and len(pd.unique(frame[c])) > 1]


def _finite_run(run: pd.DataFrame, what: str) -> pd.DataFrame:
    """The finite rows of one range test, by rising rate; at least 3 of them."""
    finite = run[np.isfinite(run["smoothed_loss"]) & (run["learning_rate"] > 0)]
    if len(finite) < 3:
        raise ValueError(f"frame has {len(finite)} finite rows; {what} needs at least 3.")
    return finite.sort_values("learning_rate")


def suggest_learning_rate(frame: pd.DataFrame, *, rule: str = "steepest") -> float | pd.Series:
    """The learning rate a range test suggests, by a stated rule; one per run.

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
        The frame :func:`lr_range_test` returns: one run, or several (several seeds, or
        frames of several tests concatenated).
    rule
        ``"steepest"`` or ``"minimum"``.

    Returns
    -------
    float or pandas.Series
        For one run, the suggested learning rate. For several, one suggestion per run: a
        Series named ``"suggested_learning_rate"``, indexed by the run columns that differ
        between the runs (``seed`` when only the seed does; ``optimizer`` and ``seed`` for
        the tests of two optimizers with several seeds each).

    Raises
    ------
    ValueError
        For an unknown rule, or a run with fewer than 3 finite rows.

    Examples
    --------
    >>> rates = np.geomspace(1e-3, 10, 41)
    >>> loss = 1 / (1 + rates) + rates**2 / 10  # falls, then rises
    >>> frame = pd.DataFrame({"learning_rate": rates, "loss": loss, "smoothed_loss": loss})
    >>> round(suggest_learning_rate(frame, rule="minimum"), 3)  # lowest at rate 1
    0.1
    >>> round(suggest_learning_rate(frame), 3)
    0.398

    Two seeds, shifted copies of the curve (the second one's loss lowest at rate 2):

    >>> runs = pd.concat([frame.assign(seed=0), frame.assign(seed=1, learning_rate=2 * rates)])
    >>> suggest_learning_rate(runs, rule="minimum").round(3).to_dict()
    {0: 0.1, 1: 0.2}
    """
    check_choice("rule", rule, RULES)
    check_columns(frame, ("learning_rate", "loss", "smoothed_loss"), what="suggest_learning_rate")
    varying = _varying(frame)
    if not varying:
        return _suggest(_finite_run(frame, "suggest_learning_rate"), rule)
    keys, values = [], []
    for key, run in frame.groupby(varying, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        keys.append(key)
        values.append(_suggest(_finite_run(run, f"suggest_learning_rate (run {key})"), rule))
    index = (
        pd.MultiIndex.from_tuples(keys, names=varying)
        if len(varying) > 1
        else pd.Index([k[0] for k in keys], name=varying[0])
    )
    return pd.Series(values, index=index, name="suggested_learning_rate")


def _suggest(run: pd.DataFrame, rule: str) -> float:
    """The suggestion of ``rule`` for one run's finite rows, sorted by rate."""
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
    varying = _varying(frame)
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
