"""The learning-rate range test: its losses, smoothing, early stop, rules and plot.

The recorded losses are checked against the package's by-hand NumPy SGD fed the same
batches and rates, the smoothing against pandas' ``ewm``, the rules against curves whose
answer is known.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd import lr_finder
from banknote_gd._random import batch_order, initial_weights
from banknote_gd.by_hand import logistic_regression_sgd


@pytest.fixture(scope="module")
def sgd_test() -> pd.DataFrame:
    return bgd.lr_range_test(steps=30, min_lr=1e-3, max_lr=30.0, stop_factor=None, seed=2)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_losses_are_those_of_sgd_by_hand_on_the_same_batches(sgd_test):
    split = bgd.split_data()
    rates = np.geomspace(1e-3, 30.0, 30)
    np.testing.assert_allclose(sgd_test["learning_rate"], rates, rtol=1e-12)
    kernel, bias = initial_weights(2)
    w, b = kernel, bias
    order = batch_order(2, n_samples=960, epochs=1)[0]  # 30 batches of 32
    expected = []
    for step, rate in enumerate(rates):
        rows = order[32 * step : 32 * (step + 1)]
        result = logistic_regression_sgd(
            split.X_train[rows],
            split.y_train[rows],
            weights=w,
            bias=b,
            learning_rate=rate,
            batch_size=32,
            epochs=1,
            order=None,
        )
        expected.append(result.history["loss"].iloc[0])
        w, b = result.weights, result.bias
    np.testing.assert_allclose(sgd_test["loss"], expected, rtol=1e-4)


def test_frame_columns_and_smoothing(sgd_test):
    assert list(sgd_test.columns) == list(lr_finder.LR_RANGE_COLUMNS)
    assert sgd_test["step"].tolist() == list(range(1, 31))
    row = sgd_test.iloc[0]
    assert (row["optimizer"], row["batch_size"], row["hidden_units"], row["seed"]) == (
        "sgd",
        32,
        0,
        2,
    )
    assert bool(row["standardize"]) is True
    # bias-corrected EMA == pandas' normalised exponential weights (adjust=True)
    expected = sgd_test["loss"].ewm(alpha=1 - 0.9, adjust=True).mean()
    np.testing.assert_allclose(sgd_test["smoothed_loss"], expected, rtol=1e-12)


def test_stops_once_the_smoothed_loss_exceeds_the_factor():
    frame = bgd.lr_range_test(
        standardize=False, steps=60, min_lr=1e-3, max_lr=1e3, stop_factor=2.0, seed=0
    )
    smoothed = frame["smoothed_loss"].to_numpy()
    best_so_far = np.minimum.accumulate(smoothed)
    assert len(frame) < 60  # it stopped early ...
    assert smoothed[-1] > 2.0 * best_so_far[-1]  # ... at the first step above 2x the best
    assert np.all(smoothed[:-1] <= 2.0 * best_so_far[:-1])


def test_several_seeds_at_once_give_each_seeds_own_run():
    kwargs = dict(steps=40, min_lr=1e-3, max_lr=1e3)
    together = bgd.lr_range_test(seed=[4, 1, 7], **kwargs)
    assert together["seed"].unique().tolist() == [4, 1, 7]
    lengths = together.groupby("seed", sort=False).size()
    assert len(set(lengths)) > 1 and lengths.max() < 40  # each stopped early, at its own step
    for seed in (4, 1, 7):
        alone = bgd.lr_range_test(seed=seed, **kwargs)
        pd.testing.assert_frame_equal(
            together[together["seed"] == seed].reset_index(drop=True), alone, rtol=1e-5
        )


@pytest.mark.parametrize(("optimizer", "hidden_units"), [("sgd", 0), ("adam", 3)])
def test_stacked_training_matches_keras_fit(optimizer, hidden_units):
    split = bgd.split_data()
    rates = lr_finder._rates(1e-3, 10.0, 25)
    rows = lr_finder._batches(960, 16, 25, seed=6)
    by_keras = lr_finder._keras_losses(split, optimizer, rates, rows, hidden_units, 6)
    stacked = lr_finder._stacked_losses(split, optimizer, rates, rows[:, None], hidden_units, [6])
    # Keras reports running means; the batch losses recovered from them carry float32
    # rounding of the mean (~1e-7) times the batch count.
    np.testing.assert_allclose(stacked[0], by_keras, rtol=1e-4, atol=1e-5)


def test_optimizers_without_an_update_rule_are_trained_by_keras_fit():
    frame = bgd.lr_range_test(optimizer="nadam", steps=6, min_lr=1e-3, max_lr=1.0, seed=[0, 1])
    assert frame.groupby("seed").size().tolist() == [6, 6]
    assert np.isfinite(frame["loss"]).all() and (frame["optimizer"] == "nadam").all()


def test_mlp_and_adam_are_reproducible():
    kwargs = dict(optimizer="adam", hidden_units=4, steps=8, min_lr=1e-3, max_lr=1.0, seed=5)
    first = bgd.lr_range_test(**kwargs)
    pd.testing.assert_frame_equal(first, bgd.lr_range_test(**kwargs))
    assert (first["hidden_units"] == 4).all() and (first["optimizer"] == "adam").all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_lr": 1.0, "max_lr": 0.1}, ValueError, "min_lr must be smaller than max_lr"),
        ({"optimizer": "lion"}, ValueError, "Unknown optimizer 'lion'"),
        ({"steps": 2}, ValueError, "steps must be >= 5"),
        ({"smoothing": 1.0}, ValueError, r"smoothing must be in \[0, 1\)"),
        ({"stop_factor": 1.0}, ValueError, "stop_factor must be > 1"),
        ({"batch_size": 5000}, ValueError, "batch_size must be between 1 and 960"),
        ({"standardize": "yes"}, TypeError, "standardize must be True or False"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"seed": "0"}, TypeError, "seed must be a whole number >= 0 or a sequence"),
        ({"seed": []}, ValueError, "seed must not be an empty sequence"),
        ({"seed": 1.5}, TypeError, "seed must be a whole number"),
        ({"seed": [0, True]}, TypeError, "seed must be a whole number"),
        ({"seed": [1, 2, 1]}, ValueError, "seed must not repeat"),
    ],
)
def test_arguments_are_checked_before_training(kwargs, error, match):
    with pytest.raises(error, match=match):
        bgd.lr_range_test(**kwargs)


# --------------------------------------------------------------------------------------------
# Rules


def _curve(x: np.ndarray, smoothed: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"learning_rate": 10.0**x, "loss": smoothed, "smoothed_loss": smoothed})


def test_steepest_rule_finds_the_inflection_of_a_falling_curve():
    x = np.linspace(-4.0, 2.0, 61)  # log10 of the rate, 0.1 apart
    smoothed = 1.0 - np.tanh(2.0 * (x + 0.5))  # falls fastest at rate 10**-0.5
    smoothed[1] = 0.2  # a dip during the warm-up of the average must not count
    assert bgd.suggest_learning_rate(_curve(x, smoothed)) == pytest.approx(10**-0.5)


def test_steepest_rule_looks_only_before_the_minimum():
    x = np.linspace(-4.0, 2.0, 61)
    smoothed = 1.0 - 0.5 * np.tanh(x + 2.0)  # falls fastest at rate 10**-2 ...
    lowest = smoothed[45]  # ... down to its minimum at rate 10**0.5
    rise = lowest + 10.0 * (x - 0.5)
    late_fall = lowest + 7.0 - 8.0 * (x - 1.2)  # steeper than anything before, but later
    smoothed = np.where(x <= 0.5, smoothed, np.where(x <= 1.2, rise, late_fall))
    assert np.argmin(smoothed) == 45
    assert bgd.suggest_learning_rate(_curve(x, smoothed)) == pytest.approx(10**-2.0)


def test_minimum_rule_is_a_tenth_of_the_rate_at_the_lowest_loss():
    x = np.linspace(-3.0, 1.0, 41)
    smoothed = (x - 0.3) ** 2
    assert bgd.suggest_learning_rate(_curve(x, smoothed), rule="minimum") == pytest.approx(
        10**0.3 / 10
    )


def test_rules_give_one_suggestion_per_run_and_refuse_unknown_names(sgd_test):
    shifted = sgd_test.assign(seed=3, learning_rate=sgd_test["learning_rate"] * 2)
    both = pd.concat([sgd_test, shifted])
    by_seed = bgd.suggest_learning_rate(both, rule="minimum")
    assert by_seed.index.name == "seed" and by_seed.index.tolist() == [2, 3]
    assert by_seed[2] == bgd.suggest_learning_rate(sgd_test, rule="minimum")
    assert by_seed[3] == pytest.approx(2 * by_seed[2])
    two_keys = bgd.suggest_learning_rate(pd.concat([both, sgd_test.assign(optimizer="adam")]))
    assert two_keys.index.names == ["optimizer", "seed"] and len(two_keys) == 3
    with pytest.raises(ValueError, match="Unknown rule 'valley'"):
        bgd.suggest_learning_rate(sgd_test, rule="valley")
    with pytest.raises(ValueError, match="at least 3"):
        bgd.suggest_learning_rate(sgd_test.iloc[:2])


# --------------------------------------------------------------------------------------------
# Plot


def test_plot_marks_each_runs_suggestion(sgd_test):
    both = pd.concat([sgd_test, sgd_test.assign(seed=3, loss=sgd_test["loss"] * 1.1)])
    ax = bgd.plot_lr_range(both)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "learning rate (log scale)"
    assert ax.get_ylabel() == "training loss (binary cross-entropy)"
    assert ax.get_title()
    suggestion = bgd.suggest_learning_rate(sgd_test)
    vertical = [line for line in ax.lines if len(set(line.get_xdata())) == 1]
    assert len(vertical) == 2 and vertical[0].get_xdata()[0] == pytest.approx(suggestion)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "seed=2 (smoothed)" and "suggested" in labels[1]
    assert bgd.plot_lr_range(sgd_test, rule=None).get_legend().get_texts()[0].get_text() == (
        "sgd (smoothed)"
    )
