"""Plots of the tidy frames: training curves, sweeps and the data itself.

The plotting functions work like seaborn figure-level functions: it takes a tidy long frame
(the one :func:`banknote_gd.train`, :func:`banknote_gd.sweep` or
:func:`banknote_gd.load_banknotes` returns), draws one new figure and returns the seaborn
grid that holds it. Nothing is shown and no global setting is changed: the styling is applied
inside ``seaborn.axes_style`` and ``seaborn.plotting_context`` blocks only. Show the figure
with ``plt.show()``, save it with ``grid.savefig(...)`` and close it with
``plt.close(grid.figure)``.

===================  ==========================================================
function             draws
===================  ==========================================================
:func:`plot_history`  loss and accuracy of one configuration over the epochs,
                      training and test rows side by side
:func:`plot_sweep`    loss and accuracy of several configurations, one line per
                      value of a hyper-parameter, mean and band over the seeds
:func:`plot_pairs`    every pair of the four features, coloured by class
===================  ==========================================================

Two helpers give the lessons' own figures the same look: :func:`set_style` (called once at
the top of a lesson: the course's fonts, grid and colour-blind palette, and sharp figures on
high-density screens in Jupyter) and :func:`log_axis` (a logarithmic axis labelled with plain
numbers such as 0.02, 0.05, 0.1).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import check_choice, check_columns, check_int
from .data import FEATURES, TARGET
from .frames import CONFIG_COLUMNS, METRICS, RUN_COLUMNS, SPLITS
from .stats import BootstrapCI

if TYPE_CHECKING:
    import seaborn as sns

__all__ = [
    "figure_style",
    "hue_palette",
    "log_axis",
    "plot_history",
    "plot_pairs",
    "plot_sweep",
    "set_style",
]

PALETTE = "colorblind"
"""Seaborn palette of every plot: its colours stay distinct for the common colour blindnesses."""

HUE_ORDER = (0, 1, 2, 3, 4, 7, 9, 6, 8, 5)
"""The order in which :func:`plot_sweep` takes the colours of :data:`PALETTE` for its hue
values: seaborn's own order with grey sixth and tan last, because tan (its sixth) is hard to
tell from orange (its second)."""

METRIC_LABELS = {"loss": "binary cross-entropy", "accuracy": "accuracy"}
X_LABELS = {"epoch": "epoch", "step": "updates (optimizer steps)"}
CLASS_LABELS = {0: "genuine", 1: "forged"}
SPLIT_DASHES = {"train": "", "train_running": (1, 1.5), "validation": (6, 1.5), "test": (4, 2)}
SPLIT_MARKERS = {"train": "o", "train_running": "v", "validation": "D", "test": "s"}
_HISTORY_DASHES = {"train": "", "train_running": (2, 2), "validation": "", "test": ""}
"""In :func:`plot_history` only the running mean over the batches is dashed: it is not the
model's loss at any one moment."""
HUE_DASHES = [
    "",
    (4, 1.5),
    (1, 1),
    (3, 1.25, 1.5, 1.25),
    (5, 1, 1, 1),
    (2, 1, 2, 3),
    (6, 2),
    (1, 2.5, 3, 1.2),
]
"""Dash patterns of the lines of :func:`plot_sweep`, one per ``hue`` value in order (cycled
beyond eight), so that lines stay apart without colour and where they lie on top of each
other."""
FIGURE_DPI = 100
"""Pixels per inch of a figure on screen (1 inch = 100 CSS px): a 7-inch-wide figure is shown
700 CSS px wide, at most the width of the site's content column."""
_SPLIT_NAMES = {
    "train": "training",
    "train_running": "running training",
    "validation": "validation",
    "test": "test",
}
_BOTH = ("train", "test")  # split="both" in plot_sweep
_PANEL_HEIGHT = 3.6
_PANEL_ASPECT = 1.2


@contextmanager
def _style() -> Iterator[None]:
    """Seaborn's white-grid style at notebook size, for the duration of one plot only."""
    import seaborn as sns

    with sns.axes_style("whitegrid"), sns.plotting_context("notebook"):
        yield


def figure_style() -> dict[str, Any]:
    """The Matplotlib settings of the course's figures, as a dict of rc parameters.

    Seaborn's ``whitegrid`` style at ``notebook`` size (text of 11 to 12 points: tick labels
    and legends 11, axis labels 12), the colour-blind palette, and :data:`FIGURE_DPI` pixels
    per inch on screen and in saved files. :func:`set_style` applies them for good; use
    ``matplotlib.rc_context(figure_style())`` to apply them to a few figures only.

    Returns
    -------
    dict
        rc parameters for :data:`matplotlib.rcParams`.

    Examples
    --------
    >>> from banknote_gd.plots import figure_style
    >>> style = figure_style()
    >>> style["figure.dpi"], style["xtick.labelsize"]
    (100, 11)
    """
    import seaborn as sns
    from cycler import cycler

    return {
        **sns.axes_style("whitegrid"),
        **sns.plotting_context("notebook"),
        "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
        "figure.dpi": FIGURE_DPI,
        "savefig.dpi": "figure",
    }


def set_style() -> None:
    """Give every figure that follows the course's style; in Jupyter, make them sharp.

    Applies :func:`figure_style` to :data:`matplotlib.rcParams`. In a Jupyter kernel it also
    has inline figures sent as PNGs of twice the resolution, shown at their normal size
    (IPython's ``retina`` format), so that they stay sharp on high-density screens. Call it
    once, after the imports at the top of a notebook or script.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> import banknote_gd as bgd
    >>> with mpl.rc_context():  # only for this example: set_style() is meant to last
    ...     bgd.set_style()
    ...     mpl.rcParams["figure.dpi"], mpl.rcParams["axes.grid"]
    (100.0, True)
    """
    import matplotlib as mpl

    mpl.rcParams.update(figure_style())
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # no IPython here: nothing is displayed inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def hue_palette(n: int) -> list[tuple[float, float, float]]:
    """The colours :func:`plot_sweep` gives its first ``n`` hue values, in order.

    Seaborn's colour-blind palette in :data:`HUE_ORDER` (cycled beyond ten): use it for a
    figure of your own that should match a sweep figure's colours.

    Examples
    --------
    >>> import seaborn as sns
    >>> hue_palette(6)[:5] == sns.color_palette("colorblind", 5)
    True
    >>> hue_palette(6)[5] == sns.color_palette("colorblind", 10)[7]  # grey, not tan
    True
    """
    import seaborn as sns

    n = check_int("n", n, minimum=1)
    colours = sns.color_palette(PALETTE, 10)
    return [colours[HUE_ORDER[i % len(HUE_ORDER)]] for i in range(n)]


def log_axis(ax: Any, axis: str = "y") -> Any:
    """Put one axis of ``ax`` on a log scale labelled with plain numbers (0.02, 0.05, 0.1).

    Matplotlib labels a log axis 10⁻², 10⁻¹, ... and leaves the ticks between the powers of
    ten bare. Here every label is a plain number, and when the axis spans up to about two
    decades the 2s, 3s and 5s (0.02, 0.03, 0.05) are labelled too. Call it after drawing,
    so that the axis limits are known.

    Parameters
    ----------
    ax
        The Matplotlib Axes.
    axis
        ``"y"`` (default) or ``"x"``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, for chaining.

    Raises
    ------
    ValueError
        If ``axis`` is not ``"x"`` or ``"y"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from banknote_gd.plots import log_axis
    >>> figure, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3], [0.5, 0.1, 0.02])
    >>> log_axis(ax).get_yscale()
    'log'
    >>> plt.close(figure)
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    check_choice("axis", axis, ("x", "y"))
    getattr(ax, f"set_{axis}scale")("log")
    low, high = getattr(ax, f"get_{axis}lim")()
    target = ax.yaxis if axis == "y" else ax.xaxis
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    target.set_major_formatter(plain)
    if high / low < 300:  # up to about two decades: label the 2s, 3s and 5s too
        target.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
        target.set_minor_formatter(plain)
    else:
        target.set_minor_formatter(NullFormatter())
    return ax


def _format_value(value: Any) -> str:
    """A hyper-parameter value as a short legend label (``0.001``, ``32``, ``adam``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):g}"
    return str(value)


def _levels(values: pd.Series) -> list:
    """Distinct values: sorted if numeric (or boolean), else in order of first appearance."""
    unique = list(pd.unique(values))
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return sorted(unique)
    return unique


def _pretty(column: str) -> str:
    return column.replace("_", " ")


def _fast_errorbar(errorbar: Any) -> Any:
    """``errorbar`` for seaborn, with a bootstrap interval (``"ci"``) computed at once."""
    if errorbar == "ci" or (isinstance(errorbar, tuple) and errorbar[:1] == ("ci",)):
        level = 95 if errorbar == "ci" or len(errorbar) < 2 else errorbar[1]
        return BootstrapCI(level, n_boot=1000, seed=0)
    return errorbar


def _describe_errorbar(errorbar: Any) -> str | None:
    """Say in words what the band around a mean is (``None``: no band)."""
    if errorbar is None:
        return None
    method, level = (errorbar, None) if isinstance(errorbar, str) else tuple(errorbar)
    if method == "ci":
        return f"{95 if level is None else level:g} % bootstrap interval of the mean"
    if method == "pi":
        return f"band holding the middle {95 if level is None else level:g} % of runs"
    if method in ("sd", "se"):
        return f"± {1 if level is None else level:g} {method} band"
    return "band"


def _describe_config(row: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    """A configuration in words, e.g. ``sgd, learning rate 0.1, batch size 32, ...``."""
    parts = []
    for column in CONFIG_COLUMNS:
        if column not in row or column in skip or column == "epochs":
            continue
        value = row[column]
        if column == "optimizer":
            parts.append(str(value))
        elif column == "learning_rate":
            parts.append(f"learning rate {_format_value(value)}")
        elif column == "batch_size":
            parts.append(f"batch size {_format_value(value)}")
        elif column == "schedule":
            parts.append("constant learning rate" if value == "constant" else f"{value} schedule")
        elif column == "hidden_units":
            parts.append(
                "logistic regression (no hidden layer)"
                if int(value) == 0
                else f"{int(value)} hidden units"
            )
        elif column == "standardize":
            parts.append("standardised features" if bool(value) else "raw features")
    return ", ".join(parts)


def _constant_config(frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The configuration columns that take a single value in the whole frame."""
    return {
        c: frame[c].iloc[0]
        for c in CONFIG_COLUMNS
        if c in frame.columns and c not in skip and len(pd.unique(frame[c])) == 1
    }


def _finite_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with infinite values turned into NaN (so they cannot stretch axes)."""
    out = frame.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out.loc[np.isinf(out["value"].to_numpy()), "value"] = np.nan
    return out


def _run_columns(frame: pd.DataFrame, extra: str | None = None) -> list[str]:
    columns = [c for c in RUN_COLUMNS if c in frame.columns]
    if extra is not None and extra not in columns:
        columns.append(extra)
    return columns


def _diverged_runs(frame: pd.DataFrame, runs: list[str]) -> pd.Series:
    """One bool per row: does the row belong to a run that diverged?

    Uses the ``diverged`` column when there is one, else marks a run whose loss is ever NaN
    or infinite, as :mod:`banknote_gd.frames` defines it.
    """
    if "diverged" in frame.columns:
        return frame["diverged"].astype(bool)
    if not runs:
        bad = (frame["metric"] == "loss") & ~np.isfinite(frame["value"].astype("float64"))
        return pd.Series(bool(bad.any()), index=frame.index)
    bad_loss = (frame["metric"] == "loss") & ~np.isfinite(frame["value"].astype("float64"))
    return bad_loss.groupby([frame[c] for c in runs], dropna=False).transform("any")


def _label_axes(grid: sns.FacetGrid, x: str, titles: dict[str, str]) -> None:
    from matplotlib.ticker import MaxNLocator

    for metric, ax in grid.axes_dict.items():
        ax.set_title(titles[metric])
        ax.set_xlabel(X_LABELS.get(x, x))
        ax.set_ylabel(METRIC_LABELS[metric])
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6 if x == "step" else "auto", integer=True))
        ax.tick_params(axis="y", labelleft=True)


def _finish(grid: sns.FacetGrid, suptitle: str) -> None:
    """Add the figure title and make room for it, for the legend and for every label."""
    grid.figure.suptitle(suptitle, fontsize="medium")
    grid.tight_layout()


def _facet_grid(data: pd.DataFrame) -> sns.FacetGrid:
    import seaborn as sns

    return sns.FacetGrid(
        data,
        col="metric",
        col_order=list(METRICS),
        sharex=True,
        sharey=False,
        height=_PANEL_HEIGHT,
        aspect=_PANEL_ASPECT,
        despine=False,
    )


def plot_history(frame: pd.DataFrame, *, title: str | None = None) -> sns.FacetGrid:
    """Plot the loss and the accuracy of one configuration over the epochs.

    Two panels side by side, loss (binary cross-entropy) on the left and accuracy on the
    right, with one line per split: the training rows and the held-out test rows. If the
    frame holds several seeds of the configuration, each line is their mean with a 95 %
    bootstrap band (the bootstrap is seeded, so the figure is reproducible).

    Parameters
    ----------
    frame
        The frame :func:`banknote_gd.train` returns, or the frame :func:`banknote_gd.sweep`
        returns for one configuration and several seeds: columns ``epoch``, ``split``,
        ``metric`` and ``value`` (and ``seed``, ``diverged`` and the configuration columns if
        present).
    title
        First line of the figure title; by default the configuration in words.

    Returns
    -------
    seaborn.FacetGrid
        The grid; ``grid.figure`` is the Matplotlib figure, ``grid.axes_dict["loss"]`` and
        ``grid.axes_dict["accuracy"]`` the two panels.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.
    ValueError
        If a column is missing, the frame is empty, or it holds several configurations
        (draw those with :func:`plot_sweep`).

    Notes
    -----
    The figure title ends with the final test accuracy: the mean over seeds of the test
    accuracy at the last epoch. Seeds whose run diverged (loss NaN or infinite) are left out
    of the lines and of that mean, and the title says how many there were; if every seed
    diverged, what is finite is drawn.

    Examples
    --------
    >>> import banknote_gd as bgd
    >>> frame = bgd.train(learning_rate=0.1, epochs=20)  # doctest: +SKIP
    >>> grid = bgd.plot_history(frame)  # doctest: +SKIP
    >>> five = bgd.sweep(seeds=5, learning_rate=0.1, epochs=20)  # doctest: +SKIP
    >>> grid = bgd.plot_history(five, title="five seeds")  # doctest: +SKIP
    >>> grid.savefig("history.png")  # doctest: +SKIP
    """
    check_columns(frame, ("epoch", "split", "metric", "value"), what="plot_history")
    data = _history_rows(frame)
    data, n_seeds, n_diverged = _drop_diverged_seeds(data)
    n_kept = n_seeds - n_diverged if n_diverged < n_seeds else n_seeds
    splits = [s for s in SPLITS if s in set(data["split"])]
    with _style():
        grid, handles = _draw_history(data, splits, BootstrapCI(95) if n_kept > 1 else None)
        _label_axes(
            grid, "epoch", {m: m if m != "loss" else "loss (lower is better)" for m in METRICS}
        )
        grid.add_legend(legend_data=handles, label_order=splits, title="split")
        first = title if title is not None else _describe_config(_constant_config(frame))
        summary = _history_summary(data, n_kept, n_seeds, n_diverged)
        _finish(grid, "\n".join([first, summary] if first else [summary]))
    return grid


def _history_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The finite rows of the metrics and splits plot_history draws, of one configuration."""
    data = _finite_values(frame)
    data = data[data["metric"].isin(METRICS) & data["split"].isin(SPLITS)]
    if data.empty:
        raise ValueError(
            f"frame has no rows with metric in {list(METRICS)} and split in {list(SPLITS)}; "
            "plot_history has nothing to draw."
        )
    varying = [c for c in CONFIG_COLUMNS if c in data.columns and len(pd.unique(data[c])) > 1]
    if varying:
        raise ValueError(
            f"plot_history draws one configuration, but {', '.join(varying)} take several "
            f"values in frame. Select one configuration, or draw them all with "
            f"plot_sweep(frame, hue={varying[0]!r})."
        )
    return data


def _drop_diverged_seeds(data: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """The rows without the seeds that diverged (unless all did), their count and the
    number of seeds."""
    runs = _run_columns(data)
    run_id = data.groupby(runs, dropna=False).ngroup() if runs else pd.Series(0, data.index)
    diverged = _diverged_runs(data, runs)
    n_seeds = int(run_id.nunique())
    n_diverged = int(run_id[diverged.to_numpy()].nunique())
    if 0 < n_diverged < n_seeds:
        data = data[~diverged.to_numpy()]
    return data.dropna(subset=["value"]), n_seeds, n_diverged


def _draw_history(data: pd.DataFrame, splits: list[str], errorbar: Any):
    """Loss and accuracy panels, one line per split; the legend's handles."""
    import seaborn as sns
    from matplotlib.lines import Line2D

    palette = dict(zip(SPLITS, sns.color_palette(PALETTE, len(SPLITS))))
    n_epochs = max(1, int(data["epoch"].nunique()))
    grid = _facet_grid(data)
    grid.map_dataframe(
        sns.lineplot,
        x="epoch",
        y="value",
        hue="split",
        hue_order=splits,
        style="split",
        style_order=splits,
        markers=SPLIT_MARKERS,
        dashes=_HISTORY_DASHES,
        palette=palette,
        errorbar=errorbar,
        markevery=max(1, math.ceil(n_epochs / 25)),
        markersize=5,
        legend=False,
    )
    handles = {
        split: Line2D(
            [],
            [],
            color=palette[split],
            marker=SPLIT_MARKERS[split],
            lw=2,
            dashes=_HISTORY_DASHES[split] or (None, None),
        )
        for split in splits
    }
    return grid, handles


def _history_summary(data: pd.DataFrame, n_kept: int, n_seeds: int, n_diverged: int) -> str:
    """The title line on the final test accuracy, the band and divergence."""
    test_acc = data[(data["split"] == "test") & (data["metric"] == "accuracy")]
    if not test_acc.empty:
        last = test_acc[test_acc["epoch"] == test_acc["epoch"].max()]["value"]
        summary = f"final test accuracy {100 * last.mean():.1f} %"
        if n_kept > 1:
            summary += (
                f"; lines: mean over {n_kept} seeds, band: 95 % bootstrap interval of the mean"
            )
    else:
        summary = "no test rows in frame"
    if n_diverged == n_seeds:
        who = "the run" if n_seeds == 1 else f"all {n_seeds} seeds"
        summary += f"; {who} diverged (loss became NaN or infinite)"
    elif n_diverged:
        summary += f"; {n_diverged} of {n_seeds} seeds diverged (not drawn)"
    return summary


def plot_sweep(
    frame: pd.DataFrame,
    *,
    hue: str = "learning_rate",
    x: str = "epoch",
    split: str = "train",
    log_y: bool = False,
    errorbar: Any = ("ci", 95),
    title: str | None = None,
) -> sns.FacetGrid:
    """Compare configurations: loss and accuracy over training, one line per ``hue`` value.

    Two panels side by side, loss (binary cross-entropy) and accuracy, over epochs or
    updates. Each line is the mean over the seeds of one value of ``hue`` (a learning rate,
    a batch size, an optimizer, a schedule, ...), with a band that shows how much the seeds
    disagree. Runs that diverged are left out of the means and counted in the legend.

    Parameters
    ----------
    frame
        The frame :func:`banknote_gd.sweep` returns (columns in :mod:`banknote_gd.frames`).
        Within one value of ``hue`` every other configuration column must take a single
        value; select rows first (``frame[frame.batch_size == 16]``) if it does not.
    hue
        The column whose values get one line (and one colour) each. Numbers are listed in
        increasing order in the legend, text in order of first appearance in ``frame``.
    x
        ``"epoch"``, or ``"step"`` for the number of updates (optimizer steps) taken, which
        puts small and large batches on the same footing.
    split
        ``"train"`` (the model at the end of each epoch on the training rows),
        ``"train_running"`` (the mean over each epoch's batches, as Keras reports it),
        ``"validation"``, ``"test"`` (the held-out rows) or ``"both"`` (training solid, test
        dashed).
    log_y
        Draw the loss on a logarithmic axis (useful when the losses span decades).
    errorbar
        The band around each mean, passed to :func:`seaborn.lineplot`: the default
        ``("ci", 95)`` is a 95 % bootstrap confidence interval of the mean (seeded, so the
        figure is reproducible; computed by :class:`banknote_gd.BootstrapCI`, seaborn's
        interval drawn at once instead of resample by resample); ``"sd"`` is one standard
        deviation; ``None`` draws no band.
    title
        First line of the figure title; by default it says what is compared. The second
        line always says over how many seeds each line is a mean.

    Returns
    -------
    seaborn.FacetGrid
        The grid; ``grid.figure`` is the Matplotlib figure, ``grid.axes_dict["loss"]`` and
        ``grid.axes_dict["accuracy"]`` the two panels.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame.
    ValueError
        If a column is missing or the frame is empty, if ``x`` or ``split`` is not one of the
        allowed values, if ``hue`` is not a column that can be compared, or if another
        configuration column varies within one ``hue`` value.

    Notes
    -----
    A run *diverged* when its loss became NaN or infinite (column ``diverged``). Its rows
    are left out of the means, and the legend label of its ``hue`` value says how many of
    its runs diverged, e.g. ``0.5 (3 of 10 diverged)``. A value whose every run diverged
    stays in the legend but has no line. Infinite values never reach the axes.

    Examples
    --------
    >>> import banknote_gd as bgd
    >>> frame = bgd.sweep({"learning_rate": [0.01, 0.1, 1.0]}, seeds=10)  # doctest: +SKIP
    >>> grid = bgd.plot_sweep(frame, hue="learning_rate", log_y=True)  # doctest: +SKIP
    >>> frame = bgd.sweep({"batch_size": [8, 64, 960]}, seeds=10)  # doctest: +SKIP
    >>> grid = bgd.plot_sweep(frame, hue="batch_size", x="step", split="both")  # doctest: +SKIP
    """
    _check_sweep_args(frame, hue, x, split)
    splits = list(_BOTH) if split == "both" else [split]
    data, runs = _sweep_rows(frame, hue, split, splits)
    labels, n_runs, n_div = _hue_labels(data, hue, runs)
    legend_title = _pretty(hue)
    data[legend_title] = data[hue].map(labels)
    plotted = data[~data["_diverged"]].dropna(subset=["value"])
    stats, band = _seeds_text(n_runs, n_div, errorbar)
    with _style():
        grid, handles = _draw_sweep(
            plotted, x, legend_title, list(labels.values()), splits, _fast_errorbar(band)
        )
        titles = {m: m if split == "both" else f"{_SPLIT_NAMES[split]} {m}" for m in METRICS}
        _label_axes(grid, x, titles)
        if log_y:
            log_axis(grid.axes_dict["loss"])
        grid.add_legend(
            legend_data=handles,
            label_order=list(handles),
            title=legend_title,
            adjust_subtitles=True,
        )
        if title is None:
            title = _sweep_title(frame, hue, split, legend_title)
        _finish(grid, f"{title}\n{stats}")
    return grid


def _check_sweep_args(frame: pd.DataFrame, hue: Any, x: str, split: str) -> None:
    """plot_sweep's checks: allowed x and split, a comparable hue, one value of every other
    configuration column per hue value."""
    check_choice("x", x, tuple(X_LABELS))
    check_choice("split", split, (*SPLITS, "both"))
    if not isinstance(hue, str):
        raise ValueError(f"hue must be the name of a column of frame, got {hue!r}.")
    check_columns(frame, (x, hue, "seed", "split", "metric", "value"), what="plot_sweep")
    if hue in ("split", "metric", "value", "epoch", "step"):
        raise ValueError(
            f"hue={hue!r} cannot be compared with plot_sweep; choose a configuration column "
            f"such as {', '.join(map(repr, CONFIG_COLUMNS))}."
        )
    if frame[hue].isna().any():
        raise ValueError(f"column {hue!r} of frame has missing values; hue needs one per row.")
    for column in CONFIG_COLUMNS:
        if column == hue or column not in frame.columns:
            continue
        counts = frame.groupby(hue, sort=False)[column].nunique(dropna=False)
        if (counts > 1).any():
            level = counts[counts > 1].index[0]
            values = list(pd.unique(frame.loc[frame[hue] == level, column]))
            raise ValueError(
                f"plot_sweep averages over seeds only, but {column} takes several values "
                f"({', '.join(map(_format_value, values))}) for {hue}={_format_value(level)}. "
                f"Select one first, e.g. frame[frame[{column!r}] == {values[0]!r}], "
                f"or compare them with hue={column!r}."
            )


def _sweep_rows(
    frame: pd.DataFrame, hue: str, split: str, splits: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The rows to draw (finite values of the metrics and splits shown, each marked with
    ``_diverged``) and the columns that identify a run."""
    data = _finite_values(frame)
    data = data[data["metric"].isin(METRICS)]
    runs = _run_columns(data, extra=hue)
    data = data.assign(_diverged=_diverged_runs(data, runs).to_numpy())
    data = data[data["split"].isin(splits)]
    if data.empty:
        raise ValueError(
            f"frame has no rows for split={split!r} and metric in {list(METRICS)}; "
            "plot_sweep has nothing to draw."
        )
    return data, runs


def _hue_labels(data: pd.DataFrame, hue: str, runs: list[str]):
    """The legend label of each hue value, in legend order (``0.5 (3 of 10 diverged)``),
    and the number of runs and of diverged runs per value."""
    run_table = data.drop_duplicates(runs)
    n_runs = run_table.groupby(hue, sort=False).size()
    n_div = run_table.groupby(hue, sort=False)["_diverged"].sum()
    labels = {}
    for level in _levels(data[hue]):
        label = _format_value(level)
        if n_div[level]:
            label += f" ({int(n_div[level])} of {int(n_runs[level])} diverged)"
        labels[level] = label
    return labels, n_runs, n_div


def _seeds_text(n_runs: pd.Series, n_div: pd.Series, errorbar: Any) -> tuple[str, Any]:
    """The title line on seeds, band and divergence; the band to draw (None: one seed)."""
    seeds = sorted(set(n_runs.astype(int)))
    seeds_text = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]} to {seeds[-1]}"
    if max(seeds) == 1:
        stats, errorbar = "one seed per line", None
    else:
        band = _describe_errorbar(errorbar)
        stats = f"mean over {seeds_text} seeds" + (f", band: {band}" if band else "")
    total_div = int(n_div.sum())
    if total_div:
        stats += f"; {total_div} of {int(n_runs.sum())} runs diverged and are left out of the means"
    return stats, errorbar


def _draw_sweep(plotted, x, legend_title, label_order, splits, errorbar):
    """The two panels, one line per label; the legend's handles, in order."""
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    palette = dict(zip(label_order, hue_palette(len(label_order))))
    grid = _facet_grid(plotted)
    both = len(splits) > 1
    if both:  # line style tells the splits apart
        dashes = dict.fromkeys(label_order, "")
        style_kws = {"style": "split", "style_order": splits, "dashes": SPLIT_DASHES}
    else:  # line style repeats the colour's message: one dash pattern per hue value
        dashes = {label: HUE_DASHES[i % len(HUE_DASHES)] for i, label in enumerate(label_order)}
        style_kws = {"style": legend_title, "style_order": label_order, "dashes": dashes}
    grid.map_dataframe(
        sns.lineplot,
        x=x,
        y="value",
        hue=legend_title,
        hue_order=label_order,
        palette=palette,
        errorbar=errorbar,
        legend=False,
        **style_kws,
    )
    handles: dict[str, Any] = {
        label: Line2D([], [], color=palette[label], lw=2, dashes=dashes[label] or (None, None))
        for label in label_order
    }
    if both:
        handles["split"] = Patch(alpha=0, linewidth=0)
        for s in splits:
            handles[s] = Line2D([], [], color="0.3", lw=2, dashes=SPLIT_DASHES[s] or (None, None))
    return grid, handles


def _sweep_title(frame: pd.DataFrame, hue: str, split: str, legend_title: str) -> str:
    """The default title: what is compared, and the configuration all lines share."""
    if split == "both":
        what = "Training (solid) and test (dashed)"
    else:
        what = _SPLIT_NAMES[split].capitalize()
    title = f"{what} loss and accuracy for each {legend_title}"
    fixed = _describe_config(_constant_config(frame, skip=(hue,)))
    return f"{title}\n{fixed}" if fixed else title


def plot_pairs(frame: pd.DataFrame, *, sample: int | None = None) -> sns.PairGrid:
    """Plot every pair of the four banknote features, coloured by class.

    The off-diagonal panels are scatter plots of two features; the diagonal shows each
    feature's distribution per class (kernel density estimates). Genuine notes (class 0) and
    forged notes (class 1) differ in colour and in marker shape.

    Parameters
    ----------
    frame
        The frame :func:`banknote_gd.load_banknotes` returns: the columns ``variance``,
        ``skewness``, ``kurtosis``, ``entropy`` and ``class`` (0 or 1).
    sample
        Draw only this many rows, chosen at random (with a fixed seed, so the figure is
        reproducible); all rows if ``None`` or if ``sample`` is not smaller than the frame.

    Returns
    -------
    seaborn.PairGrid
        A 4 x 4 grid; ``grid.figure`` is the Matplotlib figure.

    Raises
    ------
    TypeError
        If ``frame`` is not a DataFrame or ``sample`` not a whole number.
    ValueError
        If a column is missing, the frame is empty, ``sample`` < 1 or a class is not 0 or 1.

    Examples
    --------
    >>> import banknote_gd as bgd
    >>> grid = bgd.plot_pairs(bgd.load_banknotes())  # doctest: +SKIP
    >>> grid.axes.shape  # doctest: +SKIP
    (4, 4)
    """
    import seaborn as sns

    data, n_total = _pairs_data(frame, sample)
    order = list(CLASS_LABELS.values())
    with _style():
        grid = sns.pairplot(
            data,
            vars=list(FEATURES),
            hue=TARGET,
            hue_order=order,
            palette=dict(zip(order, sns.color_palette(PALETTE, len(order)))),
            markers=["o", "s"],
            diag_kind="kde",
            height=2.3,
            plot_kws={"alpha": 0.45, "s": 14, "edgecolor": "none"},
            diag_kws={"common_norm": False, "fill": True, "alpha": 0.3},
        )
        for handle in grid.legend.legend_handles:  # legend markers larger and opaque
            handle.set_markersize(8)
            handle.set_alpha(1)
        shown = (
            f"all {n_total:,} banknotes"
            if len(data) == n_total
            else f"{len(data):,} of the {n_total:,} banknotes (random sample)"
        )
        grid.figure.suptitle(
            f"The four features, two by two, for {shown}\n"
            "diagonal: distribution of each feature per class",
            fontsize="medium",
        )
        grid.tight_layout()
    return grid


def _pairs_data(frame: pd.DataFrame, sample: int | None) -> tuple[pd.DataFrame, int]:
    """The rows :func:`plot_pairs` draws (all, or a seeded sample), the class as its label,
    and the number of rows in ``frame``; bad columns or classes raise here."""
    check_columns(frame, (*FEATURES, TARGET), what="plot_pairs")
    unknown = sorted(set(frame[TARGET].dropna().unique()) - set(CLASS_LABELS))
    if unknown or frame[TARGET].isna().any():
        raise ValueError(
            f"column {TARGET!r} must hold 0 (genuine) or 1 (forged) in every row; "
            f"found {unknown or 'missing values'}."
        )
    data = frame.loc[:, [*FEATURES, TARGET]]
    n_total = len(data)
    if sample is not None:
        sample = check_int("sample", sample, minimum=1)
        if sample < n_total:
            data = data.sample(n=sample, random_state=0)
    return data.assign(**{TARGET: data[TARGET].map(CLASS_LABELS)}), n_total
