r"""Fair comparisons of training runs: final values, paired differences over seeds, excess loss.

Every run of a sweep with a given seed starts from the same initial weights and sees the
mini-batches in the same order, whatever its configuration (see :func:`banknote_gd.sweep`).
Two configurations run on the same seeds are therefore *paired*: the difference between
their runs of seed $s$, $d_s = v_s(\text{level}) - v_s(\text{baseline})$, cancels the luck
of that seed's start and batch order. :func:`compare` reports the mean of those differences
with its standard error $\operatorname{sd}(d)/\sqrt{n}$ and a paired-bootstrap 95 %
interval, which are much tighter than the spread of the runs themselves.

=====================  ===========================================================
function               returns
=====================  ===========================================================
:func:`final_values`   one row per run: the value at its last (or a given) epoch
:func:`compare`        per level of a column: paired difference to a baseline
:func:`excess_loss`    the frame with the loss measured from the optimum, L − L*
:class:`BootstrapCI`   a bootstrap interval of a mean, for seaborn's ``errorbar=``
=====================  ===========================================================

Examples
--------
>>> import banknote_gd as bgd
>>> frame = bgd.sweep({"learning_rate": [0.1, 1.0]}, seeds=10)  # doctest: +SKIP
>>> bgd.compare(frame, by="learning_rate", baseline=0.1)  # doctest: +SKIP
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from . import frames as _frames
from ._checks import check_columns, check_int

__all__ = [
    "COMPARE_COLUMNS",
    "BootstrapCI",
    "accuracy_table",
    "compare",
    "excess_loss",
    "final_values",
]

COMPARE_COLUMNS: tuple[str, ...] = (
    "baseline",
    "n_seeds",
    "n_diverged",
    "mean",
    "mean_se",
    "mean_low",
    "mean_high",
    "baseline_mean",
    "baseline_se",
    "baseline_low",
    "baseline_high",
    "difference",
    "difference_se",
    "difference_low",
    "difference_high",
)
"""The statistics columns of :func:`compare`, after the configuration columns."""


def _config_columns(frame: pd.DataFrame) -> list[str]:
    """The configuration columns of the package's frame schema that ``frame`` holds."""
    return [c for c in _frames.CONFIG_COLUMNS if c in frame.columns]


def _check_name(name: str, value: Any, allowed: list[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}={value!r} is not in the frame; allowed: {allowed}.")
    return value


def final_values(
    frame: pd.DataFrame,
    *,
    split: str = "train",
    metric: str = "loss",
    epoch: int | None = None,
) -> pd.DataFrame:
    """One row per run: the value of ``metric`` on ``split`` at the run's last epoch.

    Parameters
    ----------
    frame
        A frame from :func:`banknote_gd.sweep` or :func:`banknote_gd.train` (columns in
        :mod:`banknote_gd.frames`).
    split
        One of the splits in ``frame``; ``"train"`` is the end-of-epoch loss on the training
        rows, the number to compare settings on.
    metric
        ``"loss"`` or ``"accuracy"`` (any metric in ``frame``).
    epoch
        Take the value at this epoch instead of each run's last one (every run must have
        reached it).

    Returns
    -------
    pandas.DataFrame
        The run columns (:data:`banknote_gd.RUN_COLUMNS`), ``value`` and ``diverged``, one
        row per run, in the order the runs appear in ``frame``. A diverged run keeps its
        non-finite value.

    Raises
    ------
    ValueError
        If a column is missing, ``split``, ``metric`` or ``epoch`` is not in the frame, or a
        run has several rows at one epoch (two frames concatenated twice, say).

    Examples
    --------
    A toy frame with the columns that matter (a real one comes from ``sweep``): two seeds
    of one learning rate, two epochs each.

    >>> frame = pd.DataFrame({
    ...     "learning_rate": 0.1, "seed": [0, 1, 0, 1], "epoch": [1, 1, 2, 2],
    ...     "split": "train", "metric": "loss", "value": [0.5, 0.6, 0.3, 0.4],
    ...     "diverged": False,
    ... })
    >>> final_values(frame)
       learning_rate  seed  value  diverged
    0            0.1     0    0.3     False
    1            0.1     1    0.4     False
    >>> final_values(frame, epoch=1)["value"].tolist()
    [0.5, 0.6]
    """
    runs = (
        [c for c in _frames.RUN_COLUMNS if c in frame.columns]
        if isinstance(frame, pd.DataFrame)
        else []
    )
    check_columns(
        frame, ("seed", "epoch", "split", "metric", "value", "diverged"), what="final_values"
    )
    _check_name("split", split, sorted(frame["split"].unique()))
    _check_name("metric", metric, sorted(frame["metric"].unique()))
    rows = frame[(frame["split"] == split) & (frame["metric"] == metric)]
    if epoch is not None:
        epoch = check_int("epoch", epoch, minimum=1)
        rows = _at_epoch(rows, runs, epoch)
    else:
        last = rows.groupby(runs, sort=False, dropna=False)["epoch"].transform("max")
        rows = rows[rows["epoch"] == last]
    if rows.duplicated(runs).any():
        raise ValueError(
            "frame has several rows for one run at one epoch (same "
            f"{', '.join(runs)}); was a frame concatenated with itself?"
        )
    return rows.loc[:, [*runs, "value", "diverged"]].reset_index(drop=True)


def _at_epoch(rows: pd.DataFrame, runs: list[str], epoch: int) -> pd.DataFrame:
    reached = rows.groupby(runs, sort=False, dropna=False)["epoch"].max()
    if (reached < epoch).any():
        raise ValueError(
            f"epoch={epoch} but {int((reached < epoch).sum())} run(s) stop earlier, at epoch "
            f"{int(reached.min())}; choose an epoch between 1 and {int(reached.min())}."
        )
    return rows[rows["epoch"] == epoch]


def _bootstrap(values: np.ndarray, n_boot: int, seed: int, level: float = 95.0) -> np.ndarray:
    """Percentile ``level`` % intervals of the column means of ``values`` (seeds x
    quantities), resampling whole rows (seeds) so that paired quantities stay paired."""
    n = values.shape[0]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(n_boot, n))
    edge = (100 - level) / 2
    with np.errstate(invalid="ignore"):
        means = values[picks].mean(axis=1)  # (n_boot, quantities)
        return np.percentile(means, [edge, 100 - edge], axis=0)


class BootstrapCI:
    """A percentile-bootstrap confidence interval of a mean, for seaborn's ``errorbar=``.

    The interval seaborn draws for ``errorbar=("ci", level)``: the mean of ``n`` values is
    recomputed on ``n_boot`` resamples of them (drawn with replacement), and the interval
    runs between the ``(100 - level) / 2`` and ``(100 + level) / 2`` percentiles of those
    means. Seaborn draws the resamples one at a time in a Python loop; this draws them all
    at once, with the same generator, so that for an even number of values (10 seeds, say)
    the numbers are seaborn's own. ``benchmarks/bench_plots.py`` times both side by side
    (2026-11-23, 2 cores: a ``seaborn.lineplot`` of 4 lines of 10 seeds, 40 points, took
    1.32 s with ``("ci", 95)`` and 0.09 s with this, 14 times less; 1.17 s and 0.12 s, 10
    times, in a later run). NaNs are left out.

    Parameters
    ----------
    level
        The confidence level in percent, between 0 and 100 (exclusive).
    n_boot
        The number of resamples (seaborn's default, 1000).
    seed
        Seeds the resampling, so that a figure is the same every time it is drawn.

    Examples
    --------
    >>> import numpy as np
    >>> interval = BootstrapCI(95)
    >>> low, high = interval(np.arange(10.0))
    >>> bool(low < 4.5 < high), round(float(high - low), 1)
    (True, 3.7)

    In a plot, ``sns.lineplot(data=frame, x="epoch", y="value", errorbar=BootstrapCI(95))``.
    """

    def __init__(self, level: float = 95, *, n_boot: int = 1000, seed: int = 0) -> None:
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 100:
            raise ValueError(f"level must be a number between 0 and 100 (percent), got {level!r}.")
        self.level = float(level)
        self.n_boot = check_int("n_boot", n_boot, minimum=1)
        self.seed = check_int("seed", seed, minimum=0)

    def __repr__(self) -> str:
        return f"BootstrapCI({self.level:g}, n_boot={self.n_boot}, seed={self.seed})"

    def __call__(self, values: Any) -> tuple[float, float]:
        """``(low, high)``: the interval of the mean of ``values`` (NaN, NaN if none)."""
        x = np.asarray(values, dtype=float).ravel()
        x = x[~np.isnan(x)]
        if x.size == 0:
            return (float("nan"), float("nan"))
        low, high = _bootstrap(x[:, None], self.n_boot, self.seed, self.level)[:, 0]
        return (float(low), float(high))


def _summary(values: np.ndarray, n_boot: int, seed: int) -> dict[str, float]:
    """Mean, standard error and bootstrap interval of each of level, baseline, difference."""
    n = values.shape[0]
    with np.errstate(invalid="ignore"):
        means = values.mean(axis=0)
        se = values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(3, np.nan)
    low, high = _bootstrap(values, n_boot, seed)
    out: dict[str, float] = {}
    for i, (name, prefix) in enumerate(
        (("mean", "mean"), ("baseline_mean", "baseline"), ("difference", "difference"))
    ):
        out[name] = float(means[i])
        out[f"{prefix}_se"] = float(se[i])
        out[f"{prefix}_low"] = float(low[i])
        out[f"{prefix}_high"] = float(high[i])
    return out


def _pair(level: pd.DataFrame, base: pd.DataFrame, describe: str) -> pd.DataFrame:
    """Join the runs of a level and of the baseline on seed; raise if the seeds differ."""
    a, b = set(level["seed"]), set(base["seed"])
    if a != b:
        raise ValueError(
            f"the seeds do not pair for {describe}: seeds {sorted(a - b)} only in the level, "
            f"{sorted(b - a)} only in the baseline. compare() needs the same seeds on both "
            "sides (same seed = same initial weights and batch order); select them first."
        )
    return level.merge(base, on="seed", suffixes=("", "_baseline")).sort_values("seed")


def _check_compare_args(
    finals: pd.DataFrame, by: Any, baseline: Any, vary: Any, n_boot: Any
) -> tuple[list[str], int]:
    configs = _config_columns(finals)
    if not isinstance(by, str) or by not in configs:
        raise ValueError(
            f"by must be a configuration column of frame, one of {configs}; got {by!r}."
        )
    if baseline not in set(finals[by]):
        raise ValueError(
            f"baseline={baseline!r} is not a value of {by!r}; the frame has "
            f"{sorted(pd.unique(finals[by]).tolist())}."
        )
    vary = [vary] if isinstance(vary, str) else list(vary)
    bad = [v for v in vary if v not in configs or v == by]
    if bad:
        raise ValueError(f"vary must name configuration columns other than by={by!r}; got {bad}.")
    context = [c for c in configs if c != by and c not in vary]
    return context, check_int("n_boot", n_boot, minimum=100)


def compare(
    frame: pd.DataFrame,
    *,
    by: str,
    baseline: Any,
    split: str = "train",
    metric: str = "loss",
    epoch: int | None = None,
    vary: str | list[str] = (),
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired comparison over seeds: each value of ``by`` against ``baseline``.

    For each value (level) of the column ``by`` other than ``baseline``, and each
    combination of the other configuration columns (held as they are: a run of the level is
    paired with the baseline run that has the same seed and the same other settings), it
    takes the final value of each run (:func:`final_values`) and the paired differences
    $d_s = v_s(\\text{level}) - v_s(\\text{baseline})$ over the seeds $s$.

    Parameters
    ----------
    frame
        A frame from :func:`banknote_gd.sweep` (columns in :mod:`banknote_gd.frames`).
    by
        The configuration column whose values are compared, e.g. ``"learning_rate"``.
    baseline
        The value of ``by`` the others are compared with.
    split, metric, epoch
        Which value of each run, as for :func:`final_values`.
    vary
        Configuration column(s) allowed to differ between paired runs, e.g.
        ``"learning_rate"`` to compare optimizers each at its own tuned rate; each level must
        then hold one run per seed.
    n_boot
        Bootstrap resamples (>= 100).
    seed
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per level and combination of the other configuration columns: those
        columns, ``by``, then :data:`COMPARE_COLUMNS`: ``baseline``; ``n_seeds`` (pairs);
        ``n_diverged`` (pairs with a diverged run, whose non-finite values make the
        statistics non-finite); for the level (``mean...``), the baseline
        (``baseline_...``) and the paired difference (``difference...``): the mean over the
        seeds, its standard error (sample standard deviation, ``ddof=1``, over
        $\\sqrt{n}$) and the 2.5 % and 97.5 % percentiles of the mean over ``n_boot``
        bootstrap resamples of the seeds (``_low``, ``_high``; the same resampled seeds for
        both sides, so the difference's interval is a paired bootstrap). A negative
        difference in loss means the level ends lower than the baseline.

    Raises
    ------
    ValueError
        If ``by`` is not a configuration column, ``baseline`` is not one of its values, a
        combination of the other columns lacks the baseline or a level, or the seeds of a
        level and of the baseline differ.

    Examples
    --------
    Final losses of two learning rates over four seeds (a toy frame; a real one comes from
    ``bgd.sweep({"learning_rate": [0.1, 1.0]}, seeds=10)``). The rate 1.0 ends lower on
    every seed by 0.1 ± 0.01, much less than the seeds' own spread:

    >>> frame = pd.DataFrame({
    ...     "learning_rate": [0.1] * 4 + [1.0] * 4, "seed": [0, 1, 2, 3] * 2, "epoch": 10,
    ...     "split": "train", "metric": "loss",
    ...     "value": [0.30, 0.40, 0.50, 0.60, 0.21, 0.29, 0.40, 0.50], "diverged": False,
    ... })
    >>> result = compare(frame, by="learning_rate", baseline=0.1)
    >>> row = result.iloc[0]
    >>> float(row["learning_rate"]), int(row["n_seeds"]), round(float(row["difference"]), 3)
    (1.0, 4, -0.1)
    >>> round(float(row["difference_se"]), 4), round(float(row["mean_se"]), 4)
    (0.0041, 0.0634)
    """
    finals = final_values(frame, split=split, metric=metric, epoch=epoch)
    context, n_boot = _check_compare_args(finals, by, baseline, vary, n_boot)
    seed = check_int("seed", seed, minimum=0)
    rows = []
    groups = finals.groupby(context, sort=False, dropna=False) if context else [((), finals)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        rows += _compare_group(group, by, baseline, dict(zip(context, key)), n_boot, seed)
    return pd.DataFrame(rows, columns=[*context, by, *COMPARE_COLUMNS])


def _compare_group(
    group: pd.DataFrame, by: str, baseline: Any, where: dict, n_boot: int, seed: int
) -> list[dict]:
    """The rows of :func:`compare` for one combination of the other configuration columns."""
    describe = ", ".join(f"{k}={v!r}" for k, v in where.items()) or "the frame"
    base = group[group[by] == baseline]
    if base.empty:
        raise ValueError(f"the baseline {by}={baseline!r} has no runs where {describe}.")
    rows = []
    for level in pd.unique(group[by]):
        if level == baseline:
            continue
        pairs = _pair(group[group[by] == level], base, f"{by}={level!r} where {describe}")
        values = pairs[["value", "value_baseline"]].to_numpy(dtype=np.float64)
        values = np.column_stack([values, values[:, 0] - values[:, 1]])
        n_diverged = int((pairs["diverged"] | pairs["diverged_baseline"]).sum())
        stats = _summary(values, n_boot, seed)
        rows.append(
            {
                **where,
                by: level,
                "baseline": baseline,
                "n_seeds": len(pairs),
                "n_diverged": n_diverged,
                **stats,
            }
        )
    return rows


def excess_loss(frame: pd.DataFrame, optimum: Any) -> pd.DataFrame:
    """The frame with every loss measured from the minimum: ``value - L*`` on loss rows.

    $L^*$ is the lowest training loss the model can reach (:func:`banknote_gd.optimum` for
    the course's logistic regression). On the training splits (``"train"``,
    ``"train_running"``) the result is the *excess loss* $L - L^*$, >= 0 up to rounding,
    which shows how far from done a run is (a plain loss hides that every run's floor is
    $L^*$, not 0). Validation and test losses are shifted by the same $L^*$ and can be
    negative. Accuracy rows are unchanged. $L^*$ must be that of the same training rows as
    the runs (the same ``split_seed`` and ``validation_size``); given an
    :class:`banknote_gd.Optimum`, this is checked against those columns of ``frame``.

    Parameters
    ----------
    frame
        A frame from :func:`banknote_gd.sweep` or :func:`banknote_gd.train`.
    optimum
        An :class:`banknote_gd.Optimum` (its ``loss`` is used) or $L^*$ as a number >= 0.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with ``value`` replaced by ``value - L*`` where ``metric`` is
        ``"loss"``.

    Raises
    ------
    ValueError
        If ``optimum`` is an :class:`banknote_gd.Optimum` of other training rows (another
        ``validation_size`` or ``split_seed``) than some runs of ``frame``, or is negative.

    Examples
    --------
    >>> frame = pd.DataFrame({"split": "train", "metric": ["loss", "accuracy"],
    ...                       "value": [0.03, 0.98]})
    >>> excess_loss(frame, 0.01657)["value"].round(5).tolist()
    [0.01343, 0.98]
    >>> import banknote_gd as bgd
    >>> excess = excess_loss(frame, bgd.optimum())  # the course's L* = 0.01657
    """
    check_columns(frame, ("metric", "value"), what="excess_loss")
    best = _optimum_loss(optimum)
    _check_same_rows(frame, optimum)
    out = frame.copy()
    loss = out["metric"] == "loss"
    out.loc[loss, "value"] = out.loc[loss, "value"] - best
    return out


def _check_same_rows(frame: pd.DataFrame, optimum: Any) -> None:
    """Refuse an Optimum of other training rows than the frame's runs."""
    for column in ("validation_size", "split_seed"):
        if column not in frame.columns or not hasattr(optimum, column):
            continue
        wanted = getattr(optimum, column)
        other = sorted(set(frame[column].tolist()) - {wanted})
        if other:
            raise ValueError(
                f"optimum was computed with {column}={wanted!r} but frame has runs with "
                f"{column}={other}: their training rows differ, and so does L*. Compute it "
                f"with bgd.optimum(bgd.split_data({column.replace('split_seed', 'random_state')}"
                f"=...)), or select the runs first."
            )


def _optimum_loss(optimum: Any) -> float:
    value = getattr(optimum, "loss", optimum)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(
            "optimum must be a banknote_gd.Optimum (from bgd.optimum()) or the minimum loss "
            f"L* as a finite number, got {optimum!r}."
        )
    if value < 0:
        raise ValueError(f"optimum must be a loss >= 0, got {value!r}.")
    return float(value)


def accuracy_table(final: pd.DataFrame, by: str, n_rows: int) -> pd.DataFrame:
    """Mean, lowest and highest final accuracy per value of ``by``, with the binomial
    standard error of one accuracy measured on ``n_rows`` rows, as fractions and in rows.

    Averaging over seeds does not shrink the binomial error when every seed is scored on the
    same rows: it is the yardstick for telling two accuracies apart on that set.

    Parameters
    ----------
    final
        One accuracy per run, as :func:`final_values` returns it (``value`` column).
    by
        The column to group by (``"optimizer"``, ``"schedule"``, ...); rows keep the order in
        which its values first appear.
    n_rows
        The number of rows each accuracy was measured on.

    Returns
    -------
    pandas.DataFrame
        Columns ``mean, min, max, binomial SE, mean, in notes, binomial SE, in notes``.

    Examples
    --------
    >>> final = pd.DataFrame({"optimizer": ["sgd", "sgd", "adam"], "value": [0.9, 0.8, 0.5]})
    >>> accuracy_table(final, "optimizer", 100).round(3)
               mean  min  max  binomial SE  mean, in notes  binomial SE, in notes
    optimizer
    sgd        0.85  0.8  0.9        0.036            85.0                  3.571
    adam       0.50  0.5  0.5        0.050            50.0                  5.000
    """
    check_columns(final, (by, "value"), what="accuracy_table", name="final")
    check_int("n_rows", n_rows, minimum=1)
    order = list(dict.fromkeys(final[by]))
    table = final.groupby(by)["value"].agg(["mean", "min", "max"]).loc[order]
    table["binomial SE"] = np.sqrt(table["mean"] * (1 - table["mean"]) / n_rows)
    table["mean, in notes"] = table["mean"] * n_rows
    table["binomial SE, in notes"] = table["binomial SE"] * n_rows
    return table
