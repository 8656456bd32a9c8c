"""Gradient descent by hand: the line fit, its loss surface and plot, and logistic regression
that reproduces Keras's SGD."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import banknote_gd
from banknote_gd.by_hand import (
    LINE_COLUMNS,
    bce_from_logits,
    contraction_factor,
    fit_line,
    least_squares,
    line_hessian,
    line_loss,
    line_loss_surface,
    logistic_regression_sgd,
    make_line_data,
    plot_loss_surface,
    sigmoid,
)


@pytest.fixture(scope="module")
def line() -> pd.DataFrame:
    return make_line_data(seed=0)


@pytest.fixture(scope="module")
def split() -> banknote_gd.Split:
    return banknote_gd.split_data()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------------------------
# The line


def test_make_line_data_is_reproducible_and_follows_the_line():
    a, b = make_line_data(seed=3), make_line_data(seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["x", "y"] and len(a) == 50
    assert not a.equals(make_line_data(seed=4))
    exact = make_line_data(n=10, slope=-0.5, intercept=3.0, noise=0.0)
    np.testing.assert_allclose(exact["y"], -0.5 * exact["x"] + 3.0)


def test_least_squares_is_polyfit(line):
    w, b = least_squares(line["x"], line["y"])
    np.testing.assert_allclose([w, b], np.polyfit(line["x"], line["y"], 1), rtol=1e-12)


def test_line_loss_broadcasts_and_matches_the_direct_formula(line):
    x, y = line["x"].to_numpy(), line["y"].to_numpy()
    w = np.array([[0.0], [1.0], [2.5]])
    b = np.array([-1.0, 0.0, 0.5, 2.0])
    loss = line_loss(x, y, w, b)
    assert loss.shape == (3, 4)
    direct = np.mean((w[..., None] * x + b[:, None] - y) ** 2, axis=-1)
    np.testing.assert_allclose(loss, direct, rtol=1e-12)
    assert isinstance(line_loss(x, y, 1.0, 0.0), float)


def test_a_good_learning_rate_converges_to_the_least_squares_line(line):
    path = fit_line(line["x"], line["y"], learning_rate=0.25, steps=100)
    assert list(path.columns) == list(LINE_COLUMNS)
    assert len(path) == 101 and path["step"].tolist() == list(range(101))
    assert not path["diverged"].any()
    np.testing.assert_allclose(
        path[["w", "b"]].iloc[-1], np.polyfit(line["x"], line["y"], 1), atol=1e-8
    )
    # the start is the start, and the last row has no outgoing update
    assert path.loc[0, ["w", "b"]].tolist() == [0.0, 0.0]
    assert np.isnan(path["learning_rate"].iloc[-1])
    assert (path["learning_rate"].iloc[:-1] == 0.25).all()
    # each row's gradient is the one the next row's update used
    step = path[["w", "b"]].diff().iloc[1:].to_numpy()
    grad = path[["grad_w", "grad_b"]].iloc[:-1].to_numpy()
    np.testing.assert_allclose(step, -0.25 * grad, atol=1e-12)
    # the loss column is the loss at (w, b)
    np.testing.assert_allclose(
        path["loss"], line_loss(line["x"], line["y"], path["w"], path["b"]), rtol=1e-10
    )


def test_a_tiny_learning_rate_is_still_far_from_the_minimum(line):
    w_star, b_star = least_squares(line["x"], line["y"])
    path = fit_line(line["x"], line["y"], learning_rate=0.005, steps=50)
    assert not path["diverged"].any()
    assert path["loss"].is_monotonic_decreasing
    distance = np.hypot(path["w"].iloc[-1] - w_star, path["b"].iloc[-1] - b_star)
    assert distance > 0.5  # 1.09 measured
    best = line_loss(line["x"], line["y"], w_star, b_star)
    assert path["loss"].iloc[-1] > 2 * best


def test_a_too_large_learning_rate_makes_the_loss_grow_then_diverge(line):
    grows = fit_line(line["x"], line["y"], learning_rate=0.4, steps=50)
    assert len(grows) == 51 and not grows["diverged"].any()
    assert grows["loss"].iloc[-1] > 1e6 * grows["loss"].iloc[0]

    with np.errstate(all="raise"):  # no floating-point warnings escape
        diverged = fit_line(line["x"], line["y"], learning_rate=1.0, steps=1000)
    assert diverged["diverged"].all()
    assert len(diverged) < 1001
    assert np.isfinite(diverged["loss"].iloc[:-1]).all()
    assert not np.isfinite(diverged["loss"].iloc[-1])
    assert np.isnan(diverged["learning_rate"].iloc[-1])


def test_decay_shrinks_the_learning_rate_and_the_steps(line):
    path = fit_line(line["x"], line["y"], learning_rate=0.3, steps=40, decay=0.5)
    lr = path["learning_rate"].iloc[:-1].to_numpy()
    np.testing.assert_allclose(lr, 0.3 / (1 + 0.5 * np.arange(40)))
    step_lengths = np.hypot(path["w"].diff(), path["b"].diff()).iloc[1:]
    constant = fit_line(line["x"], line["y"], learning_rate=0.3, steps=40)
    constant_lengths = np.hypot(constant["w"].diff(), constant["b"].diff()).iloc[1:]
    # the same first step, then ever smaller steps than without decay
    assert step_lengths.iloc[0] == pytest.approx(constant_lengths.iloc[0])
    assert (step_lengths.iloc[1:].to_numpy() < constant_lengths.iloc[1:].to_numpy()).all()
    assert step_lengths.iloc[-1] < 0.01 * step_lengths.iloc[0]


def test_line_hessian_is_the_curvature_of_the_loss(line):
    x, y = line["x"].to_numpy(), line["y"].to_numpy()
    hessian = line_hessian(x)
    # second differences of the loss itself, independent of the formula
    h = 1e-3
    w, b = 0.7, -0.3
    second = np.empty((2, 2))
    for i, (dw_i, db_i) in enumerate([(h, 0.0), (0.0, h)]):
        for j, (dw_j, db_j) in enumerate([(h, 0.0), (0.0, h)]):
            second[i, j] = (
                line_loss(x, y, w + dw_i + dw_j, b + db_i + db_j)
                - line_loss(x, y, w + dw_i - dw_j, b + db_i - db_j)
                - line_loss(x, y, w - dw_i + dw_j, b - db_i + db_j)
                + line_loss(x, y, w - dw_i - dw_j, b - db_i - db_j)
            ) / (4 * h * h)
    np.testing.assert_allclose(hessian, second, rtol=1e-6)
    # the gradient is H (θ - θ*), so one step of gradient descent is I - ηH
    path = fit_line(x, y, learning_rate=0.1, steps=3, w0=w, b0=b)
    w_star, b_star = least_squares(x, y)
    offset = path[["w", "b"]].to_numpy() - [w_star, b_star]
    np.testing.assert_allclose(offset[1], (np.eye(2) - 0.1 * hessian) @ offset[0], atol=1e-12)


def test_contraction_factor_predicts_the_speed_of_gradient_descent(line):
    x, y = line["x"].to_numpy(), line["y"].to_numpy()
    eigenvalues = np.linalg.eigvalsh(line_hessian(x))
    low, high = eigenvalues
    kappa = high / low
    rates = np.linspace(0.001, 2.5 / high, 2001)
    rho = contraction_factor(rates, eigenvalues)
    assert rho.shape == rates.shape
    # the fastest constant rate is 2 / (λ_min + λ_max), with ρ = (κ - 1) / (κ + 1)
    assert rates[np.argmin(rho)] == pytest.approx(2 / (low + high), rel=2e-3)
    assert contraction_factor(2 / (low + high), eigenvalues) == pytest.approx(
        (kappa - 1) / (kappa + 1)
    )
    assert contraction_factor(2 / high, eigenvalues) == pytest.approx(1.0)
    assert contraction_factor(1 / high, eigenvalues) == pytest.approx(1 - 1 / kappa)
    # measured: the distance to the minimum shrinks by exactly ρ per step in the long run,
    # and never by less than the bound ρ^t
    w_star, b_star = least_squares(x, y)
    for rate in (0.05 / high, 1 / high, 2 / (low + high), 1.9 / high, 2.1 / high):
        path = fit_line(x, y, learning_rate=rate, steps=60)
        distance = np.hypot(path["w"] - w_star, path["b"] - b_star).to_numpy()
        factor = contraction_factor(rate, eigenvalues)
        assert (distance <= distance[0] * factor ** np.arange(61) * (1 + 1e-9)).all()
        assert (distance[-1] / distance[-11]) ** 0.1 == pytest.approx(factor, rel=1e-3)


def test_contraction_factor_errors():
    assert isinstance(contraction_factor(0.1, [1.0, 2.0]), float)
    with pytest.raises(ValueError, match=r"eigenvalues must all be > 0 .* got \[0.0, 1.0\]"):
        contraction_factor(0.1, [0.0, 1.0])
    with pytest.raises(ValueError, match=r"learning_rate must hold finite numbers >= 0, got -1"):
        contraction_factor(-1, [1.0])
    with pytest.raises(TypeError, match=r"learning_rate must be a number or an array"):
        contraction_factor("fast", [1.0])
    with pytest.raises(ValueError, match=r"eigenvalues must be one-dimensional"):
        contraction_factor(0.1, [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"x must hold finite numbers"):
        line_hessian([0.0, np.nan])


def test_the_loss_surface_is_lowest_at_the_least_squares_line(line):
    w_star, b_star = np.polyfit(line["x"], line["y"], 1)
    W, B, L = line_loss_surface(
        line["x"], line["y"], w_range=(w_star - 2, w_star + 2), b_range=(b_star - 2, b_star + 2)
    )
    assert W.shape == B.shape == L.shape == (101, 101)
    row, col = np.unravel_index(np.argmin(L), L.shape)
    assert W[row, col] == pytest.approx(w_star) and B[row, col] == pytest.approx(b_star)
    assert (W[:, 1:] > W[:, :-1]).all() and (B[1:] > B[:-1]).all()


def _paths(line, rates=(0.02, 0.25, 1.0), steps=300):
    return pd.concat(
        fit_line(line["x"], line["y"], learning_rate=lr, steps=steps).assign(label=f"η = {lr}")
        for lr in rates
    )


def test_plot_loss_surface_draws_the_surface_one_line_per_path_and_the_minimum(line):
    ax = plot_loss_surface(line["x"], line["y"], _paths(line))
    assert ax.get_xlabel() == "slope w" and ax.get_ylabel() == "intercept b"
    assert ax.get_title()
    assert ax.collections, "no contour drawn"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:3] == ["η = 0.02", "η = 0.25", "η = 1.0 (diverged)"]
    assert labels[3].startswith("minimum")
    lines = [line_ for line_ in ax.get_lines() if not line_.get_label().startswith("minimum")]
    assert len(lines) == 3
    star = next(line_ for line_ in ax.get_lines() if line_.get_label().startswith("minimum"))
    assert star.get_marker() == "*"
    np.testing.assert_allclose(
        np.ravel(star.get_data()), np.polyfit(line["x"], line["y"], 1), rtol=1e-12
    )
    # the view stays readable: the minimum and the converging paths are in it, and the
    # diverging one is cut rather than drawn out to 1e150
    w_low, w_high = ax.get_xlim()
    assert -1 < w_low < 0 and 2.1 < w_high < 10
    diverging = lines[2].get_xydata()
    assert np.isfinite(diverging).all() and np.abs(diverging).max() < 100


def test_plot_loss_surface_gives_four_paths_distinct_colour_blind_colours(line):
    import seaborn as sns
    from matplotlib.colors import to_rgb

    ax = plot_loss_surface(line["x"], line["y"], _paths(line, rates=(0.02, 0.1, 0.25, 0.3)))
    paths = [drawn for drawn in ax.get_lines() if not drawn.get_label().startswith("minimum")]
    colours = [to_rgb(drawn.get_color()) for drawn in paths]
    colorblind = sns.color_palette("colorblind", 10)
    assert colours == [colorblind[i] for i in (0, 1, 2, 4)]  # vermilion (3) would sit by orange


def test_plot_loss_surface_takes_ranges_an_axes_and_a_single_path(line):
    fig, ax = plt.subplots()
    path = fit_line(line["x"], line["y"], learning_rate=0.1)
    out = plot_loss_surface(
        line["x"],
        line["y"],
        path,
        hue=None,
        ax=ax,
        w_range=(-1, 4),
        b_range=(-3, 2),
        log_levels=False,
        colorbar=False,
    )
    assert out is ax and ax.get_xlim() == (-1, 4) and ax.get_ylim() == (-3, 2)
    assert len(fig.axes) == 1  # no colour bar
    assert ax.get_legend().get_texts()[0].get_text() == "gradient descent"
    alone = plot_loss_surface(line["x"], line["y"])
    assert len(alone.get_lines()) == 1  # the minimum only


def test_plot_loss_surface_explains_a_missing_label_column(line):
    path = fit_line(line["x"], line["y"], learning_rate=0.1)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['label'\].*hue=None"):
        plot_loss_surface(line["x"], line["y"], path)
    with pytest.raises(TypeError, match="trajectories must be a DataFrame"):
        plot_loss_surface(line["x"], line["y"], path.to_numpy())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": 0}, ValueError, r"learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": -0.1}, ValueError, r"learning_rate .* > 0, got -0.1"),
        ({"learning_rate": "0.1"}, TypeError, r"learning_rate must be a positive number"),
        ({"learning_rate": 0.1, "steps": 0}, ValueError, r"steps must be >= 1, got 0"),
        ({"learning_rate": 0.1, "steps": 2.5}, TypeError, r"steps must be a whole number"),
        ({"learning_rate": 0.1, "decay": -1}, ValueError, r"decay must be >= 0, got -1"),
        ({"learning_rate": 0.1, "w0": np.nan}, ValueError, r"w0 must be a finite number"),
    ],
)
def test_fit_line_argument_errors(line, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_line(line["x"], line["y"], **kwargs)


def test_line_data_errors(line):
    with pytest.raises(ValueError, match=r"x and y must have the same length .* got 50 and 49"):
        fit_line(line["x"], line["y"][:49], learning_rate=0.1)
    with pytest.raises(ValueError, match=r"x must be one-dimensional, got shape \(2, 25\)"):
        line_loss(line["x"].to_numpy().reshape(2, 25), line["y"], 0.0, 0.0)
    with pytest.raises(ValueError, match="y must hold finite numbers"):
        least_squares([0.0, 1.0], [0.0, np.inf])
    with pytest.raises(ValueError, match=r"w_range must be \(low, high\) with low < high"):
        line_loss_surface(line["x"], line["y"], w_range=(2, 1), b_range=(0, 1))
    with pytest.raises(ValueError, match=r"resolution must be >= 2, got 1"):
        line_loss_surface(line["x"], line["y"], w_range=(0, 1), b_range=(0, 1), resolution=1)
    with pytest.raises(ValueError, match=r"n must be >= 2, got 1"):
        make_line_data(n=1)
    with pytest.raises(ValueError, match=r"noise must be >= 0"):
        make_line_data(noise=-1)


# --------------------------------------------------------------------------------------------
# Logistic regression by hand


def test_sigmoid_and_bce_are_stable_and_correct():
    z = np.array([-800.0, -3.0, 0.0, 2.0, 800.0])
    with np.errstate(all="raise"):
        p = sigmoid(z)
        loss = bce_from_logits(z, np.array([1.0, 0.0, 1.0, 1.0, 0.0]))
    np.testing.assert_allclose(p[1:4], 1 / (1 + np.exp(-z[1:4])))
    assert p[0] == 0.0 and p[-1] == 1.0
    naive = -np.log(p[1:4]) * [0, 1, 1] - np.log(1 - p[1:4]) * [1, 0, 0]
    np.testing.assert_allclose(loss[1:4], naive)
    np.testing.assert_allclose(loss[[0, -1]], [800.0, 800.0])


def _keras_sgd(split, *, batch_size, epochs=3, learning_rate=0.1, seed=0):
    order = banknote_gd.batch_order(seed, n_samples=len(split.X_train), epochs=epochs)
    model = banknote_gd.build_model(optimizer="sgd", learning_rate=learning_rate, seed=seed)
    losses = []
    for e in range(epochs):
        history = model.fit(
            split.X_train[order[e]],
            split.y_train[order[e]],
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        losses.append(history.history["loss"][0])
    kernel, bias = model.get_weights()
    return order, kernel, bias, np.array(losses)


@pytest.mark.parametrize("batch_size", [32, 16, 100])
def test_logistic_regression_by_hand_matches_keras_sgd(split, batch_size):
    order, keras_kernel, keras_bias, keras_losses = _keras_sgd(split, batch_size=batch_size)
    kernel, bias = banknote_gd.initial_weights(seed=0)
    result = logistic_regression_sgd(
        split.X_train,
        split.y_train,
        weights=kernel,
        bias=bias,
        learning_rate=0.1,
        batch_size=batch_size,
        epochs=3,
        order=order,
    )
    assert result.weights.shape == (4,) and isinstance(result.bias, float)
    gap = max(np.abs(result.weights - keras_kernel.ravel()).max(), abs(result.bias - keras_bias[0]))
    assert gap < 1e-5, gap  # 1.4e-7 (32), 5.4e-7 (16), 1.7e-7 (100) measured
    # Keras's epoch loss is the batch-size-weighted mean of the batch losses before updates
    np.testing.assert_allclose(result.epoch_loss(), keras_losses, rtol=1e-5)
    per_epoch = -(-960 // batch_size)
    assert len(result.history) == 3 * per_epoch
    assert result.history["step"].tolist() == list(range(1, 3 * per_epoch + 1))
    last = result.history[result.history["batch"] == per_epoch]
    assert (last["batch_size"] == 960 - (per_epoch - 1) * batch_size).all()


def test_logistic_regression_with_decay_matches_keras_inverse_time_decay(split):
    import keras

    order = banknote_gd.batch_order(0, n_samples=960, epochs=2)
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.5, decay_steps=1, decay_rate=0.1)
    model = banknote_gd.build_model(optimizer="sgd", learning_rate=schedule, seed=0)
    for e in range(2):
        model.fit(
            split.X_train[order[e]],
            split.y_train[order[e]],
            batch_size=32,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
    kernel, bias = banknote_gd.initial_weights(seed=0)
    result = logistic_regression_sgd(
        split.X_train,
        split.y_train,
        weights=kernel,
        bias=bias,
        learning_rate=0.5,
        batch_size=32,
        epochs=2,
        order=order,
        decay=0.1,
    )
    keras_kernel, keras_bias = model.get_weights()
    np.testing.assert_allclose(result.weights, keras_kernel.ravel(), atol=1e-5)
    assert result.bias == pytest.approx(keras_bias[0], abs=1e-5)
    np.testing.assert_allclose(
        result.history["learning_rate"], 0.5 / (1 + 0.1 * np.arange(60)), rtol=1e-12
    )


def test_order_may_be_a_seed_or_none(split):
    kernel, bias = banknote_gd.initial_weights(seed=0)
    common = {"weights": kernel, "bias": bias, "learning_rate": 0.1, "batch_size": 32}
    X, y = split.X_train, split.y_train
    by_seed = logistic_regression_sgd(X, y, epochs=2, order=5, **common)
    by_array = logistic_regression_sgd(
        X, y, epochs=2, order=banknote_gd.batch_order(5, n_samples=960, epochs=2), **common
    )
    np.testing.assert_array_equal(by_seed.weights, by_array.weights)
    in_place = logistic_regression_sgd(X, y, epochs=1, order=None, **common)
    identity = logistic_regression_sgd(X, y, epochs=1, order=np.arange(960)[None], **common)
    np.testing.assert_array_equal(in_place.weights, identity.weights)
    accuracy = np.mean((by_seed.predict_proba(split.X_test) > 0.5) == split.y_test)
    assert accuracy > 0.9


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": 0}, ValueError, r"learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": None}, TypeError, r"learning_rate must be a positive number"),
        ({"batch_size": 0}, ValueError, r"batch_size must be between 1 and 960, got 0"),
        ({"batch_size": 961}, ValueError, r"batch_size must be between 1 and 960, got 961"),
        ({"epochs": 0}, ValueError, r"epochs must be >= 1, got 0"),
        ({"weights": np.zeros(3)}, ValueError, r"weights must have .* \(4,\) .* got \(3,\)"),
        ({"bias": [0.0, 0.0]}, ValueError, r"bias must be a number .* got shape \(2,\)"),
        ({"order": np.zeros((2, 960), int)}, ValueError, r"order must have shape .*\(3, 960\)"),
        ({"order": np.zeros((3, 960))}, TypeError, r"order must be None, a seed .* float64"),
        ({"decay": -0.5}, ValueError, r"decay must be >= 0, got -0.5"),
    ],
)
def test_logistic_regression_argument_errors(split, kwargs, error, match):
    kernel, bias = banknote_gd.initial_weights(seed=0)
    arguments = {
        "weights": kernel,
        "bias": bias,
        "learning_rate": 0.1,
        "batch_size": 32,
        "epochs": 3,
        "order": 0,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        logistic_regression_sgd(split.X_train, split.y_train, **arguments)


def test_logistic_regression_data_errors(split):
    kernel, bias = banknote_gd.initial_weights(seed=0)
    common = {"weights": kernel, "bias": bias, "learning_rate": 0.1, "batch_size": 8}
    with pytest.raises(ValueError, match=r"y must have one target per row of X, shape \(960,\)"):
        logistic_regression_sgd(split.X_train, split.y_train[:-1], epochs=1, order=0, **common)
    with pytest.raises(ValueError, match=r"X must be a 2-D array"):
        logistic_regression_sgd(split.X_train[:, 0], split.y_train, epochs=1, order=0, **common)
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\]"):
        logistic_regression_sgd(split.X_train, 2 * split.y_train, epochs=1, order=0, **common)
