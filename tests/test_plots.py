"""The plot functions: what they draw, what they say, and that they leave no state behind.

Every frame here is synthetic (built with ``frames.history_frame``), so no test trains.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.collections import PolyCollection

import banknote_gd as bgd
from banknote_gd import frames
from banknote_gd.plots import plot_history, plot_pairs, plot_sweep

EPOCHS = 5
STEPS_PER_EPOCH = 30
BASE = {**bgd.PARAMETERS, "learning_rate": 0.1, "epochs": EPOCHS}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def run(seed=0, *, loss=None, accuracy=None, steps_per_epoch=STEPS_PER_EPOCH, **config):
    """The frame of one synthetic run; test values a little above the training values."""
    rng = np.random.default_rng(seed)
    if loss is None:
        loss = list(0.6 * np.exp(-0.5 * np.arange(EPOCHS)) + 0.05 + 0.01 * rng.random(EPOCHS))
    if accuracy is None:
        accuracy = list(np.linspace(0.7, 0.95, EPOCHS) + 0.01 * rng.random(EPOCHS))
    n = len(loss)
    metrics = {
        ("train", "loss"): loss,
        ("test", "loss"): [v + 0.01 for v in loss],
        ("train", "accuracy"): accuracy,
        ("test", "accuracy"): [v - 0.01 for v in accuracy],
    }
    cfg = {**BASE, "epochs": n, **config}
    return frames.history_frame(
        cfg, seed, steps_per_epoch=steps_per_epoch, metrics=metrics, engine="fit"
    )


def sweep_frame(hue="learning_rate", values=(0.5, 0.01, 0.1, 0.05), seeds=3):
    return pd.concat([run(s, **{hue: v}) for v in values for s in range(seeds)])


def data_lines(ax):
    """Lines that hold data (seaborn adds none to the axes for our hand-made legends)."""
    return [line for line in ax.get_lines() if len(line.get_xdata())]


def legend_texts(grid):
    return [t.get_text() for t in grid.legend.get_texts()]


def legend_lines(grid):
    return grid.legend.legend_handles


# --- plot_history -----------------------------------------------------------------------


def test_history_draws_one_line_per_split_in_two_labelled_panels():
    grid = plot_history(run(0, accuracy=[0.8, 0.9, 0.95, 0.96, 0.983]))
    assert isinstance(grid, sns.FacetGrid)
    assert list(grid.axes_dict) == ["loss", "accuracy"]
    loss_ax, acc_ax = grid.axes_dict["loss"], grid.axes_dict["accuracy"]
    for ax in (loss_ax, acc_ax):
        lines = data_lines(ax)
        assert len(lines) == 2
        assert all(line.get_marker() not in (None, "None", "") for line in lines)
        assert list(lines[0].get_xdata()) == [1, 2, 3, 4, 5]
        assert ax.get_xlabel() == "epoch"
    assert loss_ax.get_ylabel() == "binary cross-entropy"
    assert acc_ax.get_ylabel() == "accuracy"
    assert grid.legend.get_title().get_text() == "split"
    assert legend_texts(grid) == ["train", "test"]
    suptitle = grid.figure.get_suptitle()
    assert "final test accuracy 97.3 %" in suptitle  # test = train - 0.01 at the last epoch
    assert "learning rate 0.1" in suptitle and "batch size 32" in suptitle


def test_history_of_several_seeds_draws_mean_and_band_and_averages_final_accuracy():
    final = [0.95, 0.97, 0.99]  # test accuracy 0.94, 0.96, 0.98: mean 96.0 %
    frame = pd.concat([run(s, accuracy=[0.7, 0.8, 0.9, 0.9, f]) for s, f in enumerate(final)])
    grid = plot_history(frame, title="My run")
    for ax in grid.axes.flat:
        assert len(data_lines(ax)) == 2
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    suptitle = grid.figure.get_suptitle()
    assert suptitle.startswith("My run\n")
    assert "final test accuracy 96.0 %" in suptitle
    assert "3 seeds" in suptitle


def test_history_leaves_out_diverged_seeds_and_says_so():
    bad = run(1, loss=[0.5, 3.0, 1e6, np.inf, np.inf])
    frame = pd.concat([run(0), bad, run(2)])
    grid = plot_history(frame)
    loss_ax = grid.axes_dict["loss"]
    assert np.isfinite(loss_ax.get_ylim()).all() and loss_ax.get_ylim()[1] < 1
    assert "1 of 3 seeds diverged" in grid.figure.get_suptitle()


def test_history_of_a_diverged_run_draws_what_is_finite():
    grid = plot_history(run(0, loss=[0.5, 2.0, np.inf, np.inf, np.inf]))
    assert "diverged" in grid.figure.get_suptitle()
    train_loss = data_lines(grid.axes_dict["loss"])[0]
    assert list(train_loss.get_xdata()) == [1, 2]
    assert np.isfinite(grid.axes_dict["loss"].get_ylim()).all()


def test_history_refuses_several_configurations():
    frame = pd.concat([run(0, learning_rate=0.1), run(0, learning_rate=0.5)])
    with pytest.raises(ValueError, match=r"learning_rate.*plot_sweep\(frame, hue='learning_rate'"):
        plot_history(frame)


# --- plot_sweep -------------------------------------------------------------------------


def test_sweep_draws_one_line_per_hue_value_in_numeric_legend_order():
    grid = plot_sweep(sweep_frame(), errorbar=None)
    assert isinstance(grid, sns.FacetGrid)
    for ax in grid.axes.flat:
        assert len(data_lines(ax)) == 4
        assert ax.get_xlabel() == "epoch"
    assert grid.axes_dict["loss"].get_ylabel() == "binary cross-entropy"
    assert grid.axes_dict["accuracy"].get_ylabel() == "accuracy"
    assert grid.axes_dict["loss"].get_title() == "training loss"
    assert grid.legend.get_title().get_text() == "learning rate"
    assert legend_texts(grid) == ["0.01", "0.05", "0.1", "0.5"]
    assert "over 3 seeds" in grid.figure.get_suptitle()


def test_sweep_gives_each_hue_value_its_own_dash_pattern_in_lines_and_legend():
    # Colour alone would lose lines that lie on top of each other (or to a grey printer).
    grid = plot_sweep(sweep_frame(), errorbar=None)
    handles = {text.get_text(): line for text, line in zip(grid.legend.texts, legend_lines(grid))}
    for ax in grid.axes.flat:
        patterns = [line._unscaled_dash_pattern for line in data_lines(ax)]
        assert len(set(map(repr, patterns))) == 4
        expected = [
            handles[label]._unscaled_dash_pattern for label in ["0.01", "0.05", "0.1", "0.5"]
        ]
        assert patterns == expected


def test_sweep_colours_follow_the_colorblind_palette_in_legend_order():
    grid = plot_sweep(sweep_frame(), errorbar=None)
    colors = [mpl.colors.to_rgb(h.get_color()) for h in grid.legend.legend_handles]
    assert colors == [tuple(c) for c in sns.color_palette("colorblind", 4)]


def test_sweep_title_says_mean_and_band_over_seeds_and_draws_bands():
    grid = plot_sweep(sweep_frame(values=(0.1, 0.5)))
    assert "mean over 3 seeds, band: 95 % bootstrap interval of the mean" in (
        grid.figure.get_suptitle()
    )
    for ax in grid.axes.flat:
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2


def test_sweep_bands_are_reproducible():
    frame = sweep_frame(values=(0.1,))
    bands = []
    for _ in range(2):
        ax = plot_sweep(frame).axes_dict["loss"]
        bands.append(ax.collections[0].get_paths()[0].vertices.copy())
    np.testing.assert_array_equal(*bands)


def test_sweep_orders_text_hue_values_by_first_appearance():
    frame = sweep_frame(hue="optimizer", values=("sgd", "adam", "rmsprop"), seeds=2)
    grid = plot_sweep(frame, hue="optimizer", errorbar=None, split="test")
    assert legend_texts(grid) == ["sgd", "adam", "rmsprop"]
    assert grid.axes_dict["accuracy"].get_title() == "test accuracy"
    assert all(len(data_lines(ax)) == 3 for ax in grid.axes.flat)


def test_sweep_both_splits_draws_solid_train_and_dashed_test():
    grid = plot_sweep(sweep_frame(values=(0.1, 0.5)), split="both", errorbar=None)
    for ax in grid.axes.flat:
        lines = data_lines(ax)
        assert len(lines) == 2 * 2
        styles = [line.get_linestyle() for line in lines]
        assert sorted(styles) == ["-", "-", "--", "--"]  # solid train, dashed test
    texts = legend_texts(grid)
    assert texts[:2] == ["0.1", "0.5"]
    assert texts[2:] == ["split", "train", "test"]


def test_sweep_over_steps_labels_the_x_axis_as_updates():
    frame = sweep_frame(hue="batch_size", values=(8, 64), seeds=2)
    grid = plot_sweep(frame, hue="batch_size", x="step", errorbar=None)
    ax = grid.axes_dict["loss"]
    assert ax.get_xlabel() == "updates (optimizer steps)"
    assert max(max(line.get_xdata()) for line in data_lines(ax)) == EPOCHS * STEPS_PER_EPOCH
    assert legend_texts(grid) == ["8", "64"]
    assert grid.legend.get_title().get_text() == "batch size"


def test_sweep_log_y_sets_a_log_loss_axis_only_when_asked():
    frame = sweep_frame(values=(0.1, 0.5))
    grid = plot_sweep(frame, log_y=True, errorbar=None)
    assert grid.axes_dict["loss"].get_yscale() == "log"
    assert grid.axes_dict["accuracy"].get_yscale() == "linear"
    assert plot_sweep(frame, errorbar=None).axes_dict["loss"].get_yscale() == "linear"


def test_sweep_leaves_out_diverged_runs_and_reports_them():
    blow_up = [0.6, 50.0, 1e8, np.inf, np.inf]
    good = [0.6, 0.4, 0.3, 0.2, 0.1]
    frame = pd.concat(
        [
            *(run(s, learning_rate=0.1) for s in range(3)),
            run(0, learning_rate=0.5, loss=good),
            run(1, learning_rate=0.5, loss=blow_up),
            run(2, learning_rate=0.5, loss=blow_up),
            *(run(s, learning_rate=2.0, loss=blow_up) for s in range(3)),
        ]
    )
    assert frame["diverged"].sum() > 0
    before = frame.copy()
    grid = plot_sweep(frame, errorbar=None)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert legend_texts(grid) == ["0.1", "0.5 (2 of 3 diverged)", "2 (3 of 3 diverged)"]
    loss_ax = grid.axes_dict["loss"]
    lines = data_lines(loss_ax)
    assert len(lines) == 2  # learning rate 2 diverged on every seed: no line
    # the 0.5 line is the one run that did not diverge, not dragged up by the others
    np.testing.assert_allclose(lines[1].get_ydata(), good)
    low, high = loss_ax.get_ylim()
    assert np.isfinite([low, high]).all() and high < 1
    assert "5 of 9 runs diverged" in grid.figure.get_suptitle()


def test_sweep_with_every_run_diverged_still_draws_the_legend():
    frame = pd.concat([run(s, loss=[0.6, np.inf, np.inf, np.inf, np.inf]) for s in range(2)])
    grid = plot_sweep(frame)
    assert legend_texts(grid) == ["0.1 (2 of 2 diverged)"]
    assert data_lines(grid.axes_dict["loss"]) == []


def test_sweep_refuses_a_frame_mixing_other_configurations():
    frame = pd.concat([run(0, batch_size=8), run(0, batch_size=64)])
    with pytest.raises(ValueError, match=r"batch_size takes several values \(8, 64\)"):
        plot_sweep(frame, hue="learning_rate")


def test_plots_leave_no_figure_and_no_setting_behind():
    rc = dict(mpl.rcParams)
    before = set(plt.get_fignums())
    grids = [
        plot_history(run(0)),
        plot_sweep(sweep_frame(values=(0.1, 0.5), seeds=2), split="both", log_y=True),
        plot_pairs(bgd.load_banknotes(), sample=50),
    ]
    after = set(plt.get_fignums())
    assert after - before == {g.figure.number for g in grids}
    assert dict(mpl.rcParams) == rc


# --- argument checks --------------------------------------------------------------------


def test_sweep_rejects_bad_arguments_with_clear_messages():
    frame = sweep_frame(values=(0.1,), seeds=1)
    with pytest.raises(
        ValueError,
        match=r"Unknown split 'valid'; allowed: 'train', 'train_running', 'validation', 'test', "
        r"'both'",
    ):
        plot_sweep(frame, split="valid")
    with pytest.raises(ValueError, match=r"Unknown x 'time'; allowed: 'epoch', 'step'"):
        plot_sweep(frame, x="time")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['momentum'\] that plot_sweep"):
        plot_sweep(frame, hue="momentum")
    with pytest.raises(ValueError, match="hue='metric' cannot be compared"):
        plot_sweep(frame, hue="metric")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['seed'\] that plot_sweep"):
        plot_sweep(frame.drop(columns="seed"))
    with pytest.raises(ValueError, match="empty"):
        plot_sweep(frame.iloc[:0])


@pytest.mark.parametrize("function", [plot_history, plot_sweep, plot_pairs])
def test_every_plot_rejects_a_non_frame_and_missing_columns(function):
    with pytest.raises(TypeError, match=f"must be a pandas DataFrame for {function.__name__}"):
        function([1, 2, 3])
    with pytest.raises(ValueError, match=f"lacks the column.*that {function.__name__} needs"):
        function(pd.DataFrame({"value": [1.0]}))


# --- plot_pairs -------------------------------------------------------------------------


def test_pairs_draws_a_4x4_grid_coloured_by_named_class():
    grid = plot_pairs(bgd.load_banknotes())
    assert isinstance(grid, sns.PairGrid)
    assert grid.axes.shape == (4, 4)
    assert [ax.get_xlabel() for ax in grid.axes[-1]] == list(bgd.FEATURES)
    assert [ax.get_ylabel() for ax in grid.axes[:, 0]] == list(bgd.FEATURES)
    assert legend_texts(grid) == ["genuine", "forged"]
    assert grid.legend.get_title().get_text() == "class"
    assert "1,372 banknotes" in grid.figure.get_suptitle()


def test_pairs_sample_draws_that_many_points_reproducibly():
    frame = bgd.load_banknotes()
    offsets = []
    for _ in range(2):
        grid = plot_pairs(frame, sample=100)
        scatter = grid.axes[0, 1].collections
        offsets.append(np.concatenate([c.get_offsets() for c in scatter]))
    assert len(offsets[0]) == 100
    np.testing.assert_array_equal(*offsets)


def test_pairs_rejects_unknown_classes_and_bad_sample():
    frame = bgd.load_banknotes()
    with pytest.raises(ValueError, match="must hold 0 \\(genuine\\) or 1 \\(forged\\)"):
        plot_pairs(frame.assign(**{"class": 2}))
    with pytest.raises(ValueError, match="sample must be >= 1"):
        plot_pairs(frame, sample=0)


# --- the lessons' style and log axis ----------------------------------------------------


def test_set_style_gives_legible_text_sharp_figures_and_the_colorblind_palette():
    with mpl.rc_context():
        bgd.set_style()
        assert mpl.rcParams["figure.dpi"] == 100
        assert mpl.rcParams["savefig.dpi"] == "figure"
        sizes = [mpl.rcParams[k] for k in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize")]
        assert min(sizes) >= 11  # points: 15 CSS px at 100 dpi before the page scales it
        assert mpl.rcParams["axes.labelsize"] >= 12 and mpl.rcParams["axes.grid"]
        colors = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
        assert [mpl.colors.to_rgb(c) for c in colors] == list(sns.color_palette("colorblind"))
    assert mpl.rcParams["figure.dpi"] != 100 or mpl.rcdefaults() is None  # context restored


def test_figure_style_changes_nothing_until_applied():
    rc = dict(mpl.rcParams)
    style = bgd.figure_style()
    assert dict(mpl.rcParams) == rc
    with mpl.rc_context(style):
        assert mpl.rcParams["figure.dpi"] == 100


def test_set_style_asks_ipython_for_retina_figures(monkeypatch):
    import IPython
    import matplotlib_inline.backend_inline as inline

    chosen = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(inline, "set_matplotlib_formats", lambda *f: chosen.extend(f))
    with mpl.rc_context():
        bgd.set_style()
    assert chosen == ["retina"]


@pytest.mark.parametrize("axis", ["x", "y"])
def test_log_axis_labels_plain_numbers_and_the_twos_threes_and_fives(axis):
    figure, ax = plt.subplots()
    values = [0.5, 0.1, 0.02]
    ax.plot(values, [1, 2, 3]) if axis == "x" else ax.plot([1, 2, 3], values)
    assert bgd.log_axis(ax, axis=axis) is ax
    figure.canvas.draw()
    target = ax.xaxis if axis == "x" else ax.yaxis
    assert getattr(ax, f"get_{axis}scale")() == "log"
    labels = {t.get_text() for t in target.get_ticklabels(which="both") if t.get_text()}
    assert {"0.02", "0.03", "0.05", "0.1", "0.2"} <= labels
    assert not any("10^" in label or "times" in label for label in labels)


def test_log_axis_over_many_decades_labels_only_the_powers_of_ten():
    figure, ax = plt.subplots()
    ax.plot([1, 2, 3], [1e-6, 1e-3, 1.0])
    bgd.log_axis(ax)
    figure.canvas.draw()
    minor = [t.get_text() for t in ax.yaxis.get_ticklabels(which="minor") if t.get_text()]
    assert minor == []
    assert "0.001" in [t.get_text() for t in ax.yaxis.get_ticklabels()]


def test_log_axis_rejects_an_unknown_axis():
    _figure, ax = plt.subplots()
    with pytest.raises(ValueError, match="Unknown axis 'z'; allowed: 'x', 'y'"):
        bgd.log_axis(ax, axis="z")


def test_sweep_band_is_the_interval_seaborn_would_draw():
    """plot_sweep's fast bootstrap band is seaborn's own ("ci", 95) band, point by point."""
    frame = sweep_frame(values=(0.1,), seeds=10)
    ours = plot_sweep(frame, split="train").axes_dict["loss"].collections[0]
    rows = frame[(frame["split"] == "train") & (frame["metric"] == "loss")]
    _, ax = plt.subplots()
    sns.lineplot(data=rows, x="epoch", y="value", errorbar=("ci", 95), seed=0, ax=ax)
    theirs = ax.collections[0]
    np.testing.assert_allclose(
        ours.get_paths()[0].vertices, theirs.get_paths()[0].vertices, rtol=1e-12
    )
