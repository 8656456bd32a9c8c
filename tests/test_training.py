"""Training and sweeps: real values, reproducibility, divergence, resume and the cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd import engine, engines, training

COURSE_RATES = [0.01, 0.05, 0.1, 0.5]


def final(frame: pd.DataFrame, split: str = "train", metric: str = "loss") -> pd.DataFrame:
    last = frame["epoch"] == frame["epochs"]
    return frame[last & (frame["split"] == split) & (frame["metric"] == metric)]


def test_train_returns_the_tidy_history_of_one_run():
    frame = bgd.train(learning_rate=0.1, batch_size=32, epochs=3, seed=0)
    assert list(frame.columns) == list(bgd.HISTORY_COLUMNS)
    assert len(frame) == 3 * 3 * 2  # epochs x (train, train_running, test) x metrics
    assert list(frame["split"].unique()) == ["train", "train_running", "test"]
    assert set(frame["engine"]) == {"fit"} and not frame["diverged"].any()
    assert frame["step"].max() == 3 * 30  # 960 rows / 32 = 30 updates per epoch
    accuracy = final(frame, "test", "accuracy")["value"].item()
    assert 0.9 < accuracy <= 1.0


def test_course_learning_rate_sweep_loss_falls_as_the_rate_rises():
    frame = bgd.sweep({"learning_rate": COURSE_RATES}, seeds=3, batch_size=16, epochs=10)
    assert frame.shape == (4 * 3 * 10 * 3 * 2, len(bgd.HISTORY_COLUMNS))
    means = final(frame).groupby("learning_rate")["value"].mean()
    assert list(means.index) == COURSE_RATES
    assert np.all(np.diff(means.to_numpy()) < 0), means
    assert means.iloc[0] > 0.25 and means.iloc[-1] < 0.08  # 0.38 and 0.053 measured


def _evaluate(weights, X, y):
    """Mean binary cross-entropy and accuracy of logistic-regression weights, in float64."""
    kernel, bias = weights
    z = X.astype(np.float64) @ kernel[:, 0].astype(np.float64) + float(bias[0])
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return loss, np.mean((z > 0) == (y == 1))


def test_train_split_is_the_end_of_epoch_weights_on_all_training_rows():
    """'train' evaluates the final weights; 'train_running' is Keras's lagging epoch mean."""
    data = bgd.split_data(validation_size=0.2)
    frame, model = bgd.train(
        learning_rate=0.5, batch_size=16, epochs=2, seed=1, data=data, return_model=True
    )
    assert list(frame["split"].unique()) == ["train", "train_running", "validation", "test"]
    assert set(frame["validation_size"]) == {0.2} and set(frame["split_seed"]) == {42}
    last = frame[frame["epoch"] == 2].set_index(["split", "metric"])["value"]
    weights = model.get_weights()
    for name, X, y in [
        ("train", data.X_train, data.y_train),
        ("validation", data.X_val, data.y_val),
        ("test", data.X_test, data.y_test),
    ]:
        loss, accuracy = _evaluate(weights, X, y)
        assert last[name, "loss"] == pytest.approx(loss, abs=1e-5)
        assert last[name, "accuracy"] == pytest.approx(accuracy, abs=1e-6)
    # the running mean includes the losses of the early, worse weights of the epoch
    assert last["train_running", "loss"] > last["train", "loss"] + 1e-3


def test_validation_rows_appear_only_with_a_validation_size():
    frame = bgd.sweep({"validation_size": [0.0, 0.3]}, seeds=[0], epochs=2, batch_size=64)
    splits = frame.groupby("validation_size")["split"].unique()
    assert list(splits[0.0]) == ["train", "train_running", "test"]
    assert list(splits[0.3]) == ["train", "train_running", "validation", "test"]
    steps = frame.groupby("validation_size")["step"].max()
    assert steps[0.0] == 2 * 15 and steps[0.3] == 2 * 11  # 960 and 672 training rows / 64


def test_split_seed_changes_the_data_and_nothing_else():
    frame = bgd.sweep({"split_seed": [42, 7]}, seeds=[0], epochs=1, batch_size=64)
    alone = bgd.sweep({"learning_rate": [0.01]}, seeds=[0], epochs=1, batch_size=64)
    pd.testing.assert_frame_equal(frame[frame["split_seed"] == 42].reset_index(drop=True), alone)
    values = frame.pivot_table(index=["split", "metric"], columns="split_seed", values="value")
    assert not np.allclose(values[42], values[7])


def test_same_seed_reproduces_and_different_seeds_differ():
    a = bgd.sweep({"learning_rate": [0.1]}, seeds=[3, 4], epochs=3)
    b = bgd.sweep({"learning_rate": [0.1]}, seeds=[3, 4], epochs=3)
    pd.testing.assert_frame_equal(a, b)
    values = a.pivot_table(index=["epoch", "split", "metric"], columns="seed", values="value")
    assert not np.allclose(values[3], values[4])
    one = bgd.train(learning_rate=0.1, epochs=2, seed=5)
    two = bgd.train(learning_rate=0.1, epochs=2, seed=5)
    pd.testing.assert_frame_equal(one, two)


def _fit_weights(config, seed, split):
    frame, model = engines.fit_run(split, config, seed)
    return frame, model.get_weights()


EQUIVALENCE_CASES = [
    dict(optimizer=name, learning_rate=None) for name in ("sgd", "momentum", "nesterov")
] + [
    dict(optimizer="adagrad", learning_rate=0.05),
    dict(optimizer="rmsprop", learning_rate=0.005),
    dict(optimizer="adam", learning_rate=0.01),
    dict(optimizer="sgd", learning_rate=0.2, schedule="warmup_cosine"),
    dict(optimizer="adam", learning_rate=0.01, schedule="step"),
    dict(optimizer="momentum", learning_rate=0.02, hidden_units=6),
    dict(optimizer="adam", learning_rate=0.01, hidden_units=6, batch_size=100),
    dict(optimizer="sgd", learning_rate=0.1, validation_size=0.25),
    dict(optimizer="rmsprop", learning_rate=0.005, validation_size=0.1, split_seed=3),
]


@pytest.mark.parametrize(
    "case", EQUIVALENCE_CASES, ids=lambda c: "-".join(f"{v}" for v in c.values() if v)
)
def test_vectorised_engine_matches_model_fit(case):
    params = {"batch_size": 32, "epochs": 3, **case}
    config = training._resolve(params)
    split = training._config_split(config)
    seeds = [7, 8]
    steps = int(np.ceil(len(split.y_train) / config["batch_size"]))
    table = bgd.learning_rates(config["schedule"], config["learning_rate"], steps * 3)
    result = engine.train_group(
        split,
        optimizer=config["optimizer"],
        batch_size=config["batch_size"],
        epochs=3,
        hidden_units=config["hidden_units"],
        seeds=seeds,
        learning_rates=np.stack([table, table]),
    )
    expected_splits = {"train", "train_running", "test"}
    if config["validation_size"]:
        expected_splits.add("validation")
    assert {name for name, _ in result.metrics} == expected_splits
    for member, seed in enumerate(seeds):
        frame, weights = _fit_weights(config, seed, split)
        assert set(frame["split"]) == expected_splits
        for fitted, stacked in zip(weights, result.weights, strict=True):
            assert np.abs(fitted - stacked[member]).max() <= 1e-4
        for (split_name, metric), values in result.metrics.items():
            rows = (frame["split"] == split_name) & (frame["metric"] == metric)
            expected = frame[rows].sort_values("epoch")["value"].to_numpy()
            np.testing.assert_allclose(values[member], expected, atol=1e-5, rtol=1e-5)


def test_sweep_frames_are_identical_across_engines_but_for_the_engine_column():
    grid = {"learning_rate": [0.05, 0.5], "optimizer": ["sgd", "adam"]}
    fast = bgd.sweep(grid, seeds=[1], epochs=2, batch_size=64, engine="vectorized")
    slow = bgd.sweep(grid, seeds=[1], epochs=2, batch_size=64, engine="fit")
    assert set(fast["engine"]) == {"vectorized"} and set(slow["engine"]) == {"fit"}
    pd.testing.assert_frame_equal(
        fast.drop(columns=["value", "engine"]), slow.drop(columns=["value", "engine"])
    )
    np.testing.assert_allclose(fast["value"], slow["value"], atol=1e-5)


def test_one_diverging_member_does_not_spoil_the_others():
    frame = bgd.sweep(
        {"learning_rate": [0.1, 1e38]}, seeds=[0], epochs=3, standardize=False, batch_size=32
    )
    runs = frame.groupby("learning_rate")["diverged"].agg(["all", "any"])
    assert runs.loc[1e38, "all"] and not runs.loc[0.1, "any"]
    alone = bgd.sweep({"learning_rate": [0.1]}, seeds=[0], epochs=3, standardize=False)
    pd.testing.assert_frame_equal(
        frame[frame["learning_rate"] == 0.1].reset_index(drop=True), alone
    )
    assert not np.isfinite(final(frame[frame["learning_rate"] == 1e38])["value"]).any()


def test_optimizers_the_engine_lacks_fall_back_to_fit_visibly():
    with pytest.warns(UserWarning, match=r"does not implement \['nadam'\]"):
        frame = bgd.sweep({"optimizer": ["sgd", "nadam"]}, seeds=[0], epochs=1)
    engines = frame.groupby("optimizer")["engine"].first()
    assert engines["nadam"] == "fit" and engines["sgd"] == "vectorized"
    with pytest.raises(ValueError, match=r"engine='vectorized' does not implement"):
        bgd.sweep({"optimizer": ["nadam"]}, seeds=[0], epochs=1, engine="vectorized")


class Interrupted(Exception):
    """Stands for Ctrl-C or a killed kernel in the middle of a sweep."""


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_interrupted_sweep_keeps_what_finished_and_resumes(monkeypatch, tmp_path, suffix):
    out = tmp_path / f"sweep{suffix}"
    grid = {"batch_size": [32, 64, 128]}  # three groups for the vectorised engine
    full = bgd.sweep(grid, seeds=2, epochs=2)

    real = engine.train_group
    calls = []
    interrupt = True

    def interrupted(*args, **kwargs):
        calls.append(kwargs["batch_size"])
        if len(calls) == 2 and interrupt:
            raise Interrupted("the machine was switched off")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "train_group", interrupted)
    with pytest.raises(Interrupted):
        bgd.sweep(grid, seeds=2, epochs=2, out=out)
    kept = bgd.read_results(out)
    assert sorted(kept["batch_size"].unique()) == [32] and len(kept) == 2 * 2 * 6

    calls.clear()
    interrupt = False
    resumed = bgd.sweep(grid, seeds=2, epochs=2, out=out)
    assert calls == [64, 128]  # the finished group was not trained again
    pd.testing.assert_frame_equal(resumed, full)
    pd.testing.assert_frame_equal(
        bgd.read_results(out)
        .sort_values(["batch_size", "seed", "epoch", "split", "metric"])
        .reset_index(drop=True),
        full.sort_values(["batch_size", "seed", "epoch", "split", "metric"]).reset_index(drop=True),
    )
    # the finished sweep is one file: part files (Parquet) joined, nothing temporary left
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_parquet_out_is_not_rewritten_for_every_group(monkeypatch, tmp_path):
    out = tmp_path / "sweep.parquet"
    written = []
    real = pd.DataFrame.to_parquet

    def counting(frame, path, *args, **kwargs):
        written.append(len(frame))
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", counting)
    frame = bgd.sweep({"batch_size": [32, 64, 128]}, seeds=2, epochs=2, out=out)
    per_group = len(frame) // 3
    # one write per group, of its own rows only (the parts are joined once, at the end)
    assert written == [per_group, per_group, per_group]
    order = ["batch_size", "seed", "epoch", "split", "metric"]
    pd.testing.assert_frame_equal(
        bgd.read_results(out).sort_values(order).reset_index(drop=True),
        frame.sort_values(order).reset_index(drop=True),
    )


def test_result_cache_reuses_and_invalidates(monkeypatch, tmp_path):
    from banknote_gd import cache

    monkeypatch.setenv("BANKNOTE_GD_CACHE", str(tmp_path / "cache"))
    calls = []
    real = engine.train_group

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "train_group", counting)
    first = bgd.sweep({"learning_rate": [0.1]}, seeds=2, epochs=2)
    again = bgd.sweep({"learning_rate": [0.1]}, seeds=2, epochs=2)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, again)
    bgd.sweep({"learning_rate": [0.1]}, seeds=2, epochs=2, cache=False)
    assert len(calls) == 2
    bgd.sweep({"learning_rate": [0.1]}, seeds=3, epochs=2)  # other seeds: another key
    assert len(calls) == 3
    monkeypatch.setattr(cache, "source_hash", lambda: "edited package")
    bgd.sweep({"learning_rate": [0.1]}, seeds=2, epochs=2)  # package changed: retrain
    assert len(calls) == 4
    assert bgd.clear_cache() == 3
    assert bgd.clear_cache() == 0


BAD_SWEEPS = [
    (dict(grid={"optimiser": ["sgd"]}), ValueError, r"Unknown parameter\(s\) \['optimiser'\]"),
    (dict(grid={"optimizer": ["sgdd"]}), ValueError, r"Unknown optimizer 'sgdd'; allowed: 'sgd'"),
    (
        dict(grid={"learning_rate": [0.1, 0]}),
        ValueError,
        r"learning_rate must be a finite number > 0, got 0",
    ),
    (dict(grid={"learning_rate": [-1.0]}), ValueError, r"learning_rate must be .* > 0, got -1.0"),
    (
        dict(grid={"learning_rate": ["fast"]}),
        TypeError,
        r"learning_rate must be a positive number, got 'fast'",
    ),
    (dict(grid={"batch_size": [0]}), ValueError, r"batch_size must be >= 1, got 0"),
    (
        dict(grid={"batch_size": [961]}),
        ValueError,
        r"batch_size must be between 1 and 960, got 961",
    ),
    (dict(grid={"epochs": [0]}), ValueError, r"epochs must be >= 1, got 0"),
    (dict(epochs=0), ValueError, r"epochs must be >= 1, got 0"),
    (dict(seeds=[]), ValueError, r"seeds must not be empty"),
    (dict(seeds=0), ValueError, r"seeds must be >= 1, got 0"),
    (dict(grid={"learning_rate": 0.1}), TypeError, r"grid\['learning_rate'\] must be a list"),
    (dict(grid={"schedule": ["linear"]}), ValueError, r"Unknown schedule 'linear'; allowed"),
    (dict(grid={"learning_rate": []}), ValueError, r"grid\['learning_rate'\] is empty"),
    (dict(grid={"learning_rate": [0.1]}, learning_rate=0.1), ValueError, r"both in grid"),
    (dict(engine="gpu"), ValueError, r"Unknown engine 'gpu'; allowed: 'auto'"),
    (dict(out="no/such/folder/sweep.csv"), FileNotFoundError, r"folder of out=.* does not exist"),
    (dict(out="sweep.txt"), ValueError, r"out must end in .csv or .parquet"),
    (dict(grid={"standardize": ["no"]}), TypeError, r"standardize must be True or False, got 'no'"),
    (dict(validation_size=1.0), ValueError, r"validation_size must be a fraction with 0 <= "),
    (dict(grid={"validation_size": [-0.1]}), ValueError, r"0 <= validation_size < 1, got -0.1"),
    (dict(validation_size="10%"), TypeError, r"validation_size must be a fraction in \[0, 1\)"),
    (dict(split_seed=-1), ValueError, r"split_seed must be >= 0, got -1"),
    (
        dict(validation_size=0.5, batch_size=481),
        ValueError,
        r"batch_size must be between 1 and 480, got 481",
    ),
]


@pytest.mark.parametrize(("kwargs", "error", "match"), BAD_SWEEPS)
def test_bad_sweep_arguments_are_named_at_the_boundary(kwargs, error, match):
    kwargs = dict(kwargs)
    grid = kwargs.pop("grid", {"learning_rate": [0.1]})
    with pytest.raises(error, match=match):
        bgd.sweep(grid, **{"seeds": 1, **kwargs})


def test_bad_train_arguments_are_named_at_the_boundary():
    with pytest.raises(TypeError, match=r"standardize must be True or False, got 'no' \(str\)"):
        bgd.train(standardize="no")
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamw'"):
        bgd.train(optimizer="adamw")
    with pytest.raises(ValueError, match=r"batch_size must be between 1 and 960, got 2000"):
        bgd.train(batch_size=2000)
    with pytest.raises(TypeError, match=r"data must be a banknote_gd.Split"):
        bgd.train(data="banknotes.csv")
    with pytest.raises(ValueError, match=r"standardize=False contradicts data"):
        bgd.train(data=bgd.split_data(), standardize=False)
    with pytest.raises(ValueError, match=r"validation_size=0.2 contradicts data, .*=0.0"):
        bgd.train(data=bgd.split_data(), validation_size=0.2)
    with pytest.raises(ValueError, match=r"0 <= validation_size < 1, got 1.5"):
        bgd.train(validation_size=1.5)


def test_schedules_have_the_shapes_lesson_7_describes():
    """Lesson 7 states each schedule's formula in prose; hold the registry to it."""
    total, eta0 = 600, 1.0
    t = np.arange(total)
    rates = {name: bgd.learning_rates(name, eta0, total) for name in bgd.available_schedules()}
    np.testing.assert_allclose(rates["constant"], eta0)
    # Keras's PiecewiseConstantDecay keeps a value up to and including its boundary.
    expected_step = np.where(t <= total // 2, eta0, np.where(t <= 3 * total // 4, 0.1, 0.01))
    np.testing.assert_allclose(rates["step"], expected_step, rtol=1e-6)
    np.testing.assert_allclose(rates["exponential"], eta0 * 0.1 ** (t / total), rtol=1e-5)
    np.testing.assert_allclose(rates["inverse_time"], eta0 / (1 + 10 * t / total), rtol=1e-5)
    np.testing.assert_allclose(
        rates["cosine"], eta0 * (1 + np.cos(np.pi * t / total)) / 2, rtol=1e-5, atol=1e-6
    )
    warm = total // 10
    np.testing.assert_allclose(rates["warmup_cosine"][: warm + 1], eta0 * t[: warm + 1] / warm)
    decay = t[warm:] - warm
    np.testing.assert_allclose(
        rates["warmup_cosine"][warm:],
        eta0 * (1 + np.cos(np.pi * decay / (total - warm))) / 2,
        rtol=1e-5,
        atol=1e-6,
    )


def test_read_results_names_a_missing_wrong_or_foreign_file(tmp_path):
    with pytest.raises(ValueError, match=r"path must end in .csv or .parquet, got '.*notes.txt'"):
        bgd.read_results(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match=r"No results file at .*missing.csv"):
        bgd.read_results(tmp_path / "missing.csv")
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"foreign.csv is not a results file .*'optimizer'"):
        bgd.read_results(foreign)
    garbled = tmp_path / "garbled.parquet"
    garbled.write_bytes(b"not parquet")
    with pytest.raises(ValueError, match=r"garbled.parquet could not be read as a results table"):
        bgd.read_results(garbled)


def test_a_bad_optimizer_option_names_the_optimizer():
    with pytest.raises(ValueError, match=r"Bad option for optimizer 'sgd' .*momentum.*-1"):
        bgd.make_optimizer("sgd", momentum=-1)
