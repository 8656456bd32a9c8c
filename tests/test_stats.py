"""Final values, paired comparisons over seeds and excess loss, on synthetic frames.

The frames are built from the schema constants (``CONFIG_COLUMNS``, ``RUN_COLUMNS``), so the
tests follow the schema when columns are added. Every statistic is checked against a hand
computation with NumPy or SciPy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import banknote_gd as bgd
from banknote_gd.frames import CONFIG_COLUMNS, RUN_COLUMNS
from banknote_gd.stats import COMPARE_COLUMNS

DEFAULTS = {**bgd.PARAMETERS, "learning_rate": 0.1, "epochs": 3}


def make_frame(grid: dict, seeds=range(6), *, value=None, rng_seed=0) -> pd.DataFrame:
    """A long frame with every combination of ``grid``, every seed, epoch, split and metric.

    ``value(config, seed, epoch, split, metric, rng)`` gives each value; by default random.
    """
    rng = np.random.default_rng(rng_seed)
    value = value or (lambda c, s, e, sp, m, r: float(r.uniform(0.0, 1.0)))
    rows = []
    for combo in itertools.product(*grid.values()):
        config = {c: DEFAULTS.get(c, 0) for c in CONFIG_COLUMNS}
        config.update(zip(grid, combo))
        for seed in seeds:
            for epoch in range(1, config["epochs"] + 1):
                for split, metric in itertools.product(("train", "test"), ("loss", "accuracy")):
                    v = value(config, seed, epoch, split, metric, rng)
                    rows.append(
                        {
                            **config,
                            "seed": seed,
                            "epoch": epoch,
                            "step": 30 * epoch,
                            "split": split,
                            "metric": metric,
                            "value": v,
                            "diverged": False,
                        }
                    )
    frame = pd.DataFrame(rows)
    bad = ~np.isfinite(frame["value"]) & (frame["metric"] == "loss")
    run_bad = frame.assign(b=bad).groupby(list(RUN_COLUMNS))["b"].transform("any")
    frame["diverged"] = run_bad.to_numpy()
    return frame


# --------------------------------------------------------------------------------------------
# final_values


def test_final_values_takes_each_runs_last_epoch():
    frame = make_frame({"learning_rate": [0.1, 1.0], "epochs": [2, 4]}, seeds=[0, 3])
    final = bgd.final_values(frame)
    assert list(final.columns) == [*RUN_COLUMNS, "value", "diverged"]
    assert len(final) == 2 * 2 * 2
    for _, row in final.iterrows():
        mask = (
            (frame["learning_rate"] == row["learning_rate"])
            & (frame["epochs"] == row["epochs"])
            & (frame["seed"] == row["seed"])
            & (frame["split"] == "train")
            & (frame["metric"] == "loss")
            & (frame["epoch"] == row["epochs"])
        )
        assert frame.loc[mask, "value"].item() == row["value"]


def test_final_values_at_an_epoch_and_other_split_and_metric():
    frame = make_frame({"learning_rate": [0.1]}, seeds=[0, 1])
    final = bgd.final_values(frame, split="test", metric="accuracy", epoch=2)
    expected = frame[
        (frame["split"] == "test") & (frame["metric"] == "accuracy") & (frame["epoch"] == 2)
    ]["value"].tolist()
    assert final["value"].tolist() == expected


def test_final_values_keeps_diverged_runs():
    def value(config, seed, epoch, split, metric, rng):
        return math.inf if seed == 1 and epoch == 3 and metric == "loss" else 0.5

    final = bgd.final_values(make_frame({"learning_rate": [0.1]}, seeds=[0, 1], value=value))
    assert final["diverged"].tolist() == [False, True]
    assert final["value"].iloc[1] == math.inf


def test_final_values_errors():
    frame = make_frame({"learning_rate": [0.1]}, seeds=[0, 1])
    with pytest.raises(ValueError, match="split='validation' is not in the frame"):
        bgd.final_values(frame, split="validation")
    with pytest.raises(ValueError, match="metric='auc' is not in the frame"):
        bgd.final_values(frame, metric="auc")
    with pytest.raises(ValueError, match="epoch=4 but 2 run"):
        bgd.final_values(frame, epoch=4)
    with pytest.raises(ValueError, match="concatenated with itself"):
        bgd.final_values(pd.concat([frame, frame]))
    with pytest.raises(ValueError, match="lacks the column"):
        bgd.final_values(frame.drop(columns="seed"))
    with pytest.raises(TypeError, match="DataFrame"):
        bgd.final_values(frame.to_dict())


# --------------------------------------------------------------------------------------------
# compare


def _finals(frame, **where):
    rows = frame[(frame["split"] == "train") & (frame["metric"] == "loss")]
    rows = rows[rows["epoch"] == rows["epochs"]]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows.set_index("seed")["value"].sort_index()


def test_compare_matches_a_hand_computation():
    frame = make_frame({"learning_rate": [0.1, 0.5, 1.0]}, seeds=range(8))
    result = bgd.compare(frame, by="learning_rate", baseline=0.1, n_boot=4000)
    assert list(result.columns) == [
        *[c for c in CONFIG_COLUMNS if c != "learning_rate"],
        "learning_rate",
        *COMPARE_COLUMNS,
    ]
    assert result["learning_rate"].tolist() == [0.5, 1.0]
    base = _finals(frame, learning_rate=0.1).to_numpy()
    for _, row in result.iterrows():
        level = _finals(frame, learning_rate=row["learning_rate"]).to_numpy()
        d = level - base
        assert row["n_seeds"] == 8 and row["n_diverged"] == 0
        assert row["difference"] == pytest.approx(d.mean())
        assert row["difference_se"] == pytest.approx(d.std(ddof=1) / math.sqrt(8))
        assert row["mean"] == pytest.approx(level.mean())
        assert row["mean_se"] == pytest.approx(scipy_stats.sem(level))
        assert row["baseline_mean"] == pytest.approx(base.mean())
        assert row["baseline_se"] == pytest.approx(scipy_stats.sem(base))
        t = scipy_stats.ttest_rel(level, base).statistic  # the paired t statistic
        assert row["difference"] / row["difference_se"] == pytest.approx(t)
        # the percentile bootstrap of scipy, paired, agrees up to resampling noise
        ci = scipy_stats.bootstrap(
            (level, base),
            lambda a, b, axis: np.mean(a - b, axis=axis),
            paired=True,
            method="percentile",
            n_resamples=4000,
            random_state=1,
        ).confidence_interval
        tolerance = 0.25 * row["difference_se"]
        assert row["difference_low"] == pytest.approx(ci.low, abs=tolerance)
        assert row["difference_high"] == pytest.approx(ci.high, abs=tolerance)
        assert row["difference_low"] < row["difference"] < row["difference_high"]
        assert row["mean_low"] < row["mean"] < row["mean_high"]


def test_pairing_cancels_the_seed_effect():
    """A level that is the baseline plus 0.01 on every seed: exact difference, no spread."""

    def value(config, seed, epoch, split, metric, rng):
        return 0.1 * seed + (0.01 if config["batch_size"] == 64 else 0.0)

    frame = make_frame({"batch_size": [32, 64]}, seeds=range(5), value=value)
    row = bgd.compare(frame, by="batch_size", baseline=32).iloc[0]
    assert row["difference"] == pytest.approx(0.01)
    assert row["difference_se"] == pytest.approx(0.0, abs=1e-12)
    assert row["difference_low"] == pytest.approx(0.01) and row["difference_high"] == pytest.approx(
        0.01
    )
    assert row["mean_se"] == pytest.approx(scipy_stats.sem(0.1 * np.arange(5)))


def test_compare_holds_the_other_columns_fixed():
    frame = make_frame({"learning_rate": [0.1, 1.0], "batch_size": [16, 64]}, seeds=range(4))
    result = bgd.compare(frame, by="learning_rate", baseline=0.1)
    assert sorted(result["batch_size"]) == [16, 64]
    row = result[result["batch_size"] == 16].iloc[0]
    d = _finals(frame, learning_rate=1.0, batch_size=16) - _finals(
        frame, learning_rate=0.1, batch_size=16
    )
    assert row["difference"] == pytest.approx(d.mean())
    assert row["difference_se"] == pytest.approx(d.std(ddof=1) / 2)


def test_compare_with_vary_pairs_each_level_at_its_own_setting():
    one = make_frame({"optimizer": ["sgd"], "learning_rate": [1.0]}, seeds=range(4))
    two = make_frame({"optimizer": ["adam"], "learning_rate": [0.01]}, seeds=range(4), rng_seed=1)
    frame = pd.concat([one, two], ignore_index=True)
    with pytest.raises(ValueError, match="has no runs"):
        bgd.compare(frame, by="optimizer", baseline="sgd")  # rates differ: nothing pairs
    row = bgd.compare(frame, by="optimizer", baseline="sgd", vary="learning_rate").iloc[0]
    d = _finals(frame, optimizer="adam").to_numpy() - _finals(frame, optimizer="sgd").to_numpy()
    assert row["optimizer"] == "adam" and row["difference"] == pytest.approx(d.mean())


def test_compare_counts_diverged_pairs():
    def value(config, seed, epoch, split, metric, rng):
        diverges = config["learning_rate"] == 10.0 and seed == 2 and metric == "loss"
        return math.inf if diverges else 0.3

    frame = make_frame({"learning_rate": [0.1, 10.0]}, seeds=range(4), value=value)
    row = bgd.compare(frame, by="learning_rate", baseline=0.1).iloc[0]
    assert row["n_diverged"] == 1 and row["difference"] == math.inf


def test_compare_errors():
    frame = make_frame({"learning_rate": [0.1, 1.0]}, seeds=range(4))
    with pytest.raises(ValueError, match="by must be a configuration column"):
        bgd.compare(frame, by="seed", baseline=0)
    with pytest.raises(ValueError, match=r"baseline=0\.3 is not a value of 'learning_rate'"):
        bgd.compare(frame, by="learning_rate", baseline=0.3)
    unpaired = frame[~((frame["learning_rate"] == 1.0) & (frame["seed"] == 3))]
    with pytest.raises(ValueError, match=r"seeds do not pair .* \[\] only in the level, \[3\]"):
        bgd.compare(unpaired, by="learning_rate", baseline=0.1)
    two = make_frame({"learning_rate": [0.1, 1.0], "batch_size": [16, 64]}, seeds=range(3))
    missing = two[~((two["learning_rate"] == 0.1) & (two["batch_size"] == 64))]
    with pytest.raises(ValueError, match=r"baseline learning_rate=0\.1 has no runs where"):
        bgd.compare(missing, by="learning_rate", baseline=0.1)
    with pytest.raises(ValueError, match="n_boot must be >= 100"):
        bgd.compare(frame, by="learning_rate", baseline=0.1, n_boot=10)
    with pytest.raises(ValueError, match="vary must name configuration columns"):
        bgd.compare(frame, by="learning_rate", baseline=0.1, vary="learning_rate")


def test_compare_is_reproducible_and_seeded():
    frame = make_frame({"learning_rate": [0.1, 1.0]}, seeds=range(6))
    a = bgd.compare(frame, by="learning_rate", baseline=0.1, seed=3)
    pd.testing.assert_frame_equal(a, bgd.compare(frame, by="learning_rate", baseline=0.1, seed=3))
    b = bgd.compare(frame, by="learning_rate", baseline=0.1, seed=4)
    assert a["difference_low"].iloc[0] != b["difference_low"].iloc[0]


# --------------------------------------------------------------------------------------------
# excess_loss


def test_excess_loss_subtracts_the_optimum_from_loss_rows_only():
    frame = make_frame({"learning_rate": [0.1]}, seeds=[0])
    excess = bgd.excess_loss(frame, 0.25)
    loss = frame["metric"] == "loss"
    np.testing.assert_allclose(excess["value"][loss], frame["value"][loss] - 0.25)
    assert excess["value"][~loss].tolist() == frame["value"][~loss].tolist()
    assert excess.drop(columns="value").equals(frame.drop(columns="value"))
    assert frame["value"][loss].min() >= 0  # the input is not modified


def test_excess_loss_takes_an_optimum():
    frame = make_frame({"learning_rate": [0.1]}, seeds=[0])
    opt = bgd.optimum()
    pd.testing.assert_frame_equal(bgd.excess_loss(frame, opt), bgd.excess_loss(frame, opt.loss))
    with pytest.raises(TypeError, match=r"banknote_gd\.Optimum"):
        bgd.excess_loss(frame, "0.1")
    with pytest.raises(ValueError, match="loss >= 0"):
        bgd.excess_loss(frame, -0.1)


def test_excess_loss_refuses_an_optimum_of_other_training_rows():
    if "split_seed" not in CONFIG_COLUMNS:
        pytest.skip("the frame schema has no split_seed column")
    frame = make_frame({"split_seed": [42, 7]}, seeds=[0])
    with pytest.raises(ValueError, match=r"split_seed=\[7\]: their training rows differ"):
        bgd.excess_loss(frame, bgd.optimum())
    bgd.excess_loss(frame[frame["split_seed"] == 42], bgd.optimum())  # the matching runs pass


# --------------------------------------------------------------------------------------------
# A real sweep (guards against drift between these functions and the frame schema)


def test_on_a_real_sweep():
    frame = bgd.sweep({"learning_rate": [0.1, 1.0]}, seeds=3, epochs=2, batch_size=64)
    final = bgd.final_values(frame)
    assert list(final.columns) == [*RUN_COLUMNS, "value", "diverged"] and len(final) == 6
    last = frame[(frame["split"] == "train") & (frame["metric"] == "loss") & (frame["epoch"] == 2)]
    assert final["value"].tolist() == last["value"].tolist()
    result = bgd.compare(frame, by="learning_rate", baseline=0.1)
    d = last["value"].to_numpy()[3:] - last["value"].to_numpy()[:3]
    assert result["difference"].iloc[0] == pytest.approx(d.mean())
    assert result["n_seeds"].iloc[0] == 3


def test_accuracy_table_gives_the_binomial_error_of_one_accuracy():
    final = pd.DataFrame(
        {"schedule": ["step", "constant", "step", "constant"], "value": [0.99, 0.98, 0.97, 0.96]}
    )
    table = bgd.accuracy_table(final, "schedule", 412)
    assert list(table.index) == ["step", "constant"]  # first-appearance order
    p = 0.98  # mean of step; the SE by its textbook formula, sqrt(p(1-p)/n)
    assert table.loc["step", "binomial SE"] == pytest.approx(math.sqrt(p * (1 - p) / 412))
    assert table.loc["constant", "min"] == 0.96 and table.loc["constant", "max"] == 0.98
    assert table.loc["step", "mean, in notes"] == pytest.approx(0.98 * 412)
    with pytest.raises(ValueError, match=r"n_rows"):
        bgd.accuracy_table(final, "schedule", 0)
    with pytest.raises(ValueError, match=r"optimizer"):
        bgd.accuracy_table(final, "optimizer", 412)


# --------------------------------------------------------------------------- BootstrapCI
def _seaborn_interval(values, level, n_boot):
    from seaborn._statistics import EstimateAggregator

    frame = pd.DataFrame({"y": values})
    row = EstimateAggregator("mean", ("ci", level), n_boot=n_boot, seed=0)(frame, "y")
    return row["ymin"], row["ymax"]


@pytest.mark.parametrize("level", [95, 50])
def test_bootstrap_ci_is_seaborns_interval_for_an_even_number_of_values(level):
    values = np.random.default_rng(3).normal(size=10)
    np.testing.assert_allclose(
        bgd.BootstrapCI(level)(values), _seaborn_interval(values, level, 1000), rtol=1e-12
    )


def test_bootstrap_ci_agrees_with_seaborn_within_resampling_error_for_an_odd_number():
    values = np.random.default_rng(4).normal(size=7)
    ours = bgd.BootstrapCI(95, n_boot=40_000)(values)
    theirs = _seaborn_interval(values, 95, 40_000)
    se = values.std(ddof=1) / math.sqrt(len(values))
    assert abs(ours[0] - theirs[0]) < 0.05 * se and abs(ours[1] - theirs[1]) < 0.05 * se
    # and the interval is about the normal one, mean +- 1.96 se (a bootstrap is a bit narrower)
    assert 1.6 * se < (ours[1] - ours[0]) / 2 < 2.0 * se


def test_bootstrap_ci_leaves_out_nans_and_refuses_bad_levels():
    interval = bgd.BootstrapCI(90)
    assert interval([1.0, np.nan, 3.0, 2.0]) == interval([1.0, 3.0, 2.0])
    assert all(math.isnan(v) for v in interval([np.nan]))
    assert repr(interval) == "BootstrapCI(90, n_boot=1000, seed=0)"
    for bad in (0, 100, -5, "95", True):
        with pytest.raises(ValueError, match=r"level must be a number between 0 and 100"):
            bgd.BootstrapCI(bad)
    with pytest.raises(ValueError, match=r"n_boot"):
        bgd.BootstrapCI(95, n_boot=0)
