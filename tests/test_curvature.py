"""Curvature of logistic regression: loss, gradient, Hessian, optimum, λmax, noise scale.

Each quantity is checked against a computation that does not share its code: finite
differences, scikit-learn's unpenalised logistic regression, ``numpy.linalg.eigvalsh`` on the
explicit Hessian, the package's by-hand mini-batch SGD, an explicit per-example loop, and
TensorFlow's full Hessian (``GradientTape.jacobian``) for a small MLP.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd import curvature
from banknote_gd._random import initial_weights
from banknote_gd.by_hand import logistic_regression_sgd


@pytest.fixture(scope="module")
def raw() -> bgd.Split:
    return bgd.split_data(standardize=False)


@pytest.fixture(scope="module")
def standardized() -> bgd.Split:
    return bgd.split_data(standardize=True)


@pytest.fixture(scope="module")
def toy() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.standard_normal(40) > 0).astype(float)
    return X, y, rng.standard_normal(3), 0.3


def _sklearn_loss(X, y, w, b):
    from sklearn.metrics import log_loss

    p = 1.0 / (1.0 + np.exp(-(np.asarray(X, float) @ w + b)))
    return log_loss(y, p, labels=[0, 1])


# --------------------------------------------------------------------------------------------
# Loss, gradient, Hessian


def test_loss_is_sklearn_log_loss(toy):
    X, y, w, b = toy
    assert curvature.logistic_loss(w, b, X, y) == pytest.approx(_sklearn_loss(X, y, w, b), 1e-12)


def test_gradient_and_hessian_match_central_differences(toy):
    X, y, w, b = toy
    theta = np.append(w, b)
    h = 1e-6
    loss = lambda t: curvature.logistic_loss(t[:-1], t[-1], X, y)  # noqa: E731
    grad = lambda t: curvature.logistic_gradient(t[:-1], t[-1], X, y)  # noqa: E731
    eye = np.eye(theta.size)
    numeric_grad = [(loss(theta + h * e) - loss(theta - h * e)) / (2 * h) for e in eye]
    numeric_hess = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(grad(theta), numeric_grad, atol=1e-8)
    np.testing.assert_allclose(curvature.logistic_hessian(w, b, X, y), numeric_hess, atol=1e-7)


def test_hessian_at_zero_is_the_scaled_gram_matrix(raw):
    # at w = 0 every p = 1/2, so H = A^T A / (4n) exactly
    A = np.column_stack([raw.X_train.astype(float), np.ones(len(raw.X_train))])
    expected = A.T @ A / (4 * len(A))
    H = curvature.logistic_hessian(np.zeros(4), 0.0, raw.X_train, raw.y_train)
    np.testing.assert_allclose(H, expected, rtol=1e-12)
    np.testing.assert_allclose(
        bgd.hessian_eigenvalues(np.zeros(4), 0.0, raw.X_train, raw.y_train),
        np.linalg.eigvalsh(expected),
        rtol=1e-10,
    )


def test_keras_kernel_shape_is_accepted(toy):
    X, y, w, b = toy
    assert curvature.logistic_loss(w[:, None], np.array([b]), X, y) == pytest.approx(
        curvature.logistic_loss(w, b, X, y)
    )


@pytest.mark.parametrize(
    ("weights", "y", "match"),
    [
        (np.zeros(2), [0, 1], "one weight per feature"),
        (np.zeros(3), [0, 1, 1], "one target per row"),
        (np.zeros(3), [0, 2], r"targets in \[0, 1\]"),
        ([0.0, np.nan, 0.0], [0, 1], "finite"),
    ],
)
def test_bad_inputs_name_the_argument(weights, y, match):
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=match):
        curvature.logistic_loss(weights, 0.0, X, y)


# --------------------------------------------------------------------------------------------
# The optimum


@pytest.mark.parametrize("standardize", [False, True])
def test_optimum_matches_sklearn_unpenalised(standardize, raw, standardized):
    from sklearn.linear_model import LogisticRegression

    split = standardized if standardize else raw
    opt = bgd.optimum(split)
    X, y = split.X_train.astype(float), split.y_train.astype(float)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000).fit(X, y)
    w, b = model.coef_[0], float(model.intercept_[0])
    assert opt.loss == pytest.approx(_sklearn_loss(X, y, w, b), rel=1e-9)
    assert opt.loss <= _sklearn_loss(X, y, w, b) + 1e-15  # Newton is at least as low
    np.testing.assert_allclose(np.append(opt.weights, opt.bias), np.append(w, b), rtol=1e-4)
    assert opt.train_accuracy == pytest.approx(model.score(X, y))
    assert opt.test_accuracy == pytest.approx(model.score(split.X_test.astype(float), split.y_test))
    assert opt.standardized is standardize


def test_optimum_is_a_stationary_point_with_the_stated_eigenvalues(standardized):
    opt = bgd.optimum(standardized)
    X, y = standardized.X_train, standardized.y_train
    assert np.abs(bgd.logistic_gradient(opt.weights, opt.bias, X, y)).max() < 1e-12
    np.testing.assert_allclose(
        opt.eigenvalues,
        np.linalg.eigvalsh(bgd.logistic_hessian(opt.weights, opt.bias, X, y)),
        rtol=1e-12,
    )
    assert np.all(opt.eigenvalues > 0)  # a strict minimum
    assert opt.lambda_max == opt.eigenvalues[-1]
    assert 1 <= opt.iterations < 30


def test_course_numbers(raw, standardized):
    """The numbers of issue 8: L*, test accuracy, 2/λmax at w = 0 and at the optimum."""
    opt_raw, opt_std = bgd.optimum(standardize=False), bgd.optimum()
    assert opt_raw.loss == pytest.approx(opt_std.loss, abs=1e-8)  # invariant to scaling
    assert round(opt_std.loss, 5) == 0.01657
    assert round(opt_std.test_accuracy, 4) == 0.9903
    assert round(2 / opt_raw.lambda_max, 2) == 4.79
    assert round(2 / opt_std.lambda_max) == 107
    at_zero = [
        2 / bgd.hessian_eigenvalues(np.zeros(4), 0.0, s.X_train, s.y_train)[-1]
        for s in (raw, standardized)
    ]
    assert [round(v, 2) for v in at_zero] == [0.15, 3.65]


def test_optimum_default_split_and_argument_checks(standardized):
    assert bgd.optimum().loss == bgd.optimum(standardized).loss
    with pytest.raises(ValueError, match="contradicts data"):
        bgd.optimum(standardized, standardize=False)
    with pytest.raises(TypeError, match=r"banknote_gd\.Split"):
        bgd.optimum(standardized.X_train)
    with pytest.raises(TypeError, match="standardize must be True or False"):
        bgd.optimum(standardize="no")


def test_separable_rows_have_no_optimum():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]], dtype=np.float32)
    y = np.array([0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    split = bgd.Split(X, X, y, y, ("x",), False)
    with pytest.raises(ValueError, match="linearly separable"):
        bgd.optimum(split)


# --------------------------------------------------------------------------------------------
# λmax by power iteration


def _points(split):
    opt = bgd.optimum(split)
    kernel, bias = initial_weights(7)
    return [
        (np.zeros(4), 0.0),
        (kernel.ravel(), float(bias[0])),
        (0.3 * opt.weights, 0.3 * opt.bias),
        (opt.weights, opt.bias),
    ]


@pytest.mark.parametrize("standardize", [False, True])
def test_lambda_max_by_power_iteration_is_eigvalsh(standardize, raw, standardized):
    split = standardized if standardize else raw
    X, y = split.X_train, split.y_train
    for w, b in _points(split):
        exact = np.linalg.eigvalsh(bgd.logistic_hessian(w, b, X, y))[-1]
        assert bgd.lambda_max(w, b, X, y) == pytest.approx(exact, rel=1e-8)
        assert bgd.lambda_max(w, b, X, y, seed=5) == pytest.approx(exact, rel=1e-8)


def test_lambda_max_warns_when_it_runs_out_of_iterations(raw):
    with pytest.warns(RuntimeWarning, match="did not settle"):
        bgd.lambda_max(np.zeros(4), 0.0, raw.X_train, raw.y_train, max_iter=2)
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        bgd.lambda_max(np.zeros(4), 0.0, raw.X_train, raw.y_train, tol=0)


# --------------------------------------------------------------------------------------------
# Full-batch descent


@pytest.mark.parametrize("standardize", [False, True])
def test_full_batch_descent_is_by_hand_sgd_with_one_batch(standardize, raw, standardized):
    split = standardized if standardize else raw
    rate = 1.0 if standardize else 0.1
    path = bgd.full_batch_descent(split, learning_rate=rate, steps=20, seed=3)
    kernel, bias = initial_weights(3)
    n = len(split.X_train)
    by_hand = logistic_regression_sgd(
        split.X_train,
        split.y_train,
        weights=kernel,
        bias=bias,
        learning_rate=rate,
        batch_size=n,
        epochs=20,
        order=None,
    )
    # by-hand records the loss before each update: steps 0..19 of the full-batch path
    np.testing.assert_allclose(path["loss"].iloc[:20], by_hand.history["loss"], rtol=1e-12)
    final = bgd.logistic_loss(by_hand.weights, by_hand.bias, split.X_train, split.y_train)
    assert path["loss"].iloc[-1] == pytest.approx(final, rel=1e-12)


def test_full_batch_descent_frame(standardized):
    path = bgd.full_batch_descent(
        standardized, learning_rate=[0.5, 2.0], steps=10, track_lambda_max=True
    )
    assert list(path.columns) == [*curvature.FULL_BATCH_COLUMNS, "lambda_max"]
    assert len(path) == 22 and path["step"].tolist() == list(range(11)) * 2
    assert not path["diverged"].any()
    start = path[path["step"] == 0]
    assert start["loss"].tolist() == pytest.approx([math.log(2)] * 2)  # w = 0: p = 1/2
    one = path.iloc[13]  # rate 2.0, after 2 updates
    w_b = _replay(standardized, 2.0, 2)
    exact = np.linalg.eigvalsh(
        bgd.logistic_hessian(*w_b, standardized.X_train, standardized.y_train)
    )
    assert one["lambda_max"] == pytest.approx(exact[-1], rel=1e-12)
    assert "lambda_max" not in bgd.full_batch_descent(standardized, learning_rate=1, steps=1)


def _replay(split, rate, steps):
    w, b = np.zeros(4), 0.0
    for _ in range(steps):
        g = bgd.logistic_gradient(w, b, split.X_train, split.y_train)
        w, b = w - rate * g[:-1], b - rate * g[-1]
    return w, b


def test_vectorised_descents_equal_one_at_a_time(raw):
    rates, seeds = [0.01, 0.1, 1e306], [0, 5]
    together = bgd.full_batch_descent(
        raw, learning_rate=rates, steps=30, seed=seeds, track_lambda_max=True
    )
    assert list(together.columns) == [
        "step",
        "learning_rate",
        "seed",
        "loss",
        "diverged",
        "lambda_max",
    ]
    for rate, seed in itertools.product(rates, seeds):
        alone = bgd.full_batch_descent(
            raw, learning_rate=rate, steps=30, seed=seed, track_lambda_max=True
        )
        part = together[(together["learning_rate"] == rate) & (together["seed"] == seed)]
        pd.testing.assert_frame_equal(part.reset_index(drop=True), alone, rtol=1e-12)
    diverged = together.groupby("learning_rate")["diverged"].all()
    assert diverged.tolist() == [False, False, True]  # one diverging rate leaves the others


@pytest.mark.parametrize("batch_size", [1, 50, 960])
def test_minibatch_descent_is_by_hand_sgd_update_by_update(batch_size, standardized):
    rate, seed, epochs = 0.5, 4, 2
    n = len(standardized.y_train)
    path = bgd.minibatch_descent(
        standardized, learning_rate=rate, batch_size=batch_size, epochs=epochs, seed=seed
    )
    updates = epochs * math.ceil(n / batch_size)
    assert path["step"].tolist() == list(range(updates + 1))
    kernel, bias = initial_weights(seed)
    by_hand = logistic_regression_sgd(
        standardized.X_train,
        standardized.y_train,
        weights=kernel,
        bias=bias,
        learning_rate=rate,
        batch_size=batch_size,
        epochs=epochs,
        order=bgd.batch_order(seed, n_samples=n, epochs=epochs),
    )
    final = bgd.logistic_loss(
        by_hand.weights, by_hand.bias, standardized.X_train, standardized.y_train
    )
    assert path["loss"].iloc[-1] == pytest.approx(final, rel=1e-12)
    tracked = bgd.minibatch_descent(
        standardized,
        learning_rate=rate,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        track_weights=True,
    )
    weights = [f"w_{feature}" for feature in standardized.feature_names]
    np.testing.assert_allclose(tracked[weights].iloc[-1], by_hand.weights, rtol=1e-10)
    assert tracked["b"].iloc[-1] == pytest.approx(by_hand.bias, rel=1e-10)
    np.testing.assert_allclose(tracked[weights].iloc[0], kernel.ravel(), rtol=1e-7)
    if batch_size == n:  # one batch of every row: the full-batch descent, in another order
        full = bgd.full_batch_descent(standardized, learning_rate=rate, steps=epochs, seed=seed)
        np.testing.assert_allclose(path["loss"], full["loss"], rtol=1e-12)


def test_minibatch_descent_matches_the_sweep_at_every_epoch_end(raw):
    rates, seeds, batch_size, epochs = [0.01, 0.1], [0, 7], 16, 3
    path = bgd.minibatch_descent(
        raw, learning_rate=rates, batch_size=batch_size, epochs=epochs, seed=seeds
    )
    assert len(path) == len(rates) * len(seeds) * (1 + epochs * 60)
    frame = bgd.sweep(
        {"learning_rate": rates},
        seeds=seeds,
        epochs=epochs,
        batch_size=batch_size,
        standardize=False,
        cache=False,
        progress=False,
    )
    train = frame[(frame["split"] == "train") & (frame["metric"] == "loss")]
    ends = path[(path["step"] > 0) & (path["step"] % 60 == 0)]
    # the sweep's float32 engine against float64 NumPy, on the same rows in the same order
    np.testing.assert_allclose(ends["loss"].to_numpy(), train["value"].to_numpy(), rtol=2e-4)


def test_minibatch_descent_argument_checks(raw):
    with pytest.raises(ValueError, match="batch_size must be between 1 and 960, got 961"):
        bgd.minibatch_descent(raw, learning_rate=0.1, batch_size=961, epochs=1, seed=0)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        bgd.minibatch_descent(raw, learning_rate=0.1, batch_size=8, epochs=0, seed=0)
    with pytest.raises(ValueError, match="seed is required"):
        bgd.minibatch_descent(raw, learning_rate=0.1, batch_size=8, epochs=1, seed=None)


def test_full_batch_descent_flags_divergence(raw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings leak
        path = bgd.full_batch_descent(raw, learning_rate=1e306, steps=50)
    assert path["diverged"].all() and len(path) < 51
    assert math.isinf(path["loss"].iloc[-1])


def test_full_batch_descent_argument_checks(raw):
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        bgd.full_batch_descent(raw, learning_rate=-1, steps=3)
    with pytest.raises(TypeError, match="learning_rate must be a number > 0 or a list"):
        bgd.full_batch_descent(raw, learning_rate="0.1", steps=3)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        bgd.full_batch_descent(raw, learning_rate=0.1, steps=0)
    with pytest.raises(ValueError, match="either seed or weights"):
        bgd.full_batch_descent(raw, learning_rate=0.1, steps=3, seed=0, weights=np.zeros(4))
    with pytest.raises(ValueError, match="one weight per feature"):
        bgd.full_batch_descent(raw, learning_rate=0.1, steps=3, weights=np.zeros(3))


# --------------------------------------------------------------------------------------------
# Gradient noise scale


def _noise_scale_by_loop(w, b, X, y):
    X, y = np.asarray(X, float), np.asarray(y, float)
    grads = []
    for x_i, y_i in zip(X, y):
        p = 1.0 / (1.0 + math.exp(-(x_i @ w + b)))
        grads.append(np.append(x_i, 1.0) * (p - y_i))
    grads = np.array(grads)
    sigma = np.cov(grads, rowvar=False, ddof=0)
    G = grads.mean(axis=0)
    return np.trace(sigma) / (G @ G)


def test_gradient_noise_scale_is_trace_over_squared_norm(standardized):
    X, y = standardized.X_train, standardized.y_train
    for w, b in _points(standardized)[:3]:
        assert bgd.gradient_noise_scale(w, b, X, y) == pytest.approx(
            _noise_scale_by_loop(w, b, X, y), rel=1e-9
        )


def test_hessian_weighted_noise_scale_from_the_best_step_of_batch_gradients(standardized):
    """B_noise = tr(HΣ)/GᵀHG from its meaning (McCandlish et al., 2018): along a batch
    gradient G_B, a quadratic model of the loss improves most, by (GᵀG)²/(2 E[G_BᵀHG_B]),
    and E[G_BᵀHG_B] = GᵀHG + tr(HΣ)/B for B rows drawn with replacement. Estimate that
    expectation from many drawn batches, not from the formula."""
    X, y = standardized.X_train, standardized.y_train
    w, b = np.array([1.0, 0.5, 0.5, 0.0]), 0.0
    A = np.column_stack([X, np.ones(len(y))])
    p = 1 / (1 + np.exp(-(A @ np.append(w, b))))
    g = (p - y)[:, None] * A  # per-example gradients
    H = bgd.logistic_hessian(w, b, X, y)
    G = g.mean(axis=0)
    rng = np.random.default_rng(0)
    size = 8
    batches = g[rng.integers(0, len(y), size=(200_000, size))].mean(axis=1)
    quadratic = np.einsum("kj,jl,kl->k", batches, H, batches).mean()
    from_batches = size * (quadratic / (G @ H @ G) - 1)
    exact = bgd.gradient_noise_scale(w, b, X, y, hessian_weighted=True)
    assert from_batches == pytest.approx(exact, rel=0.05)
    assert exact != pytest.approx(bgd.gradient_noise_scale(w, b, X, y), rel=0.01)


def test_gradient_noise_scale_is_infinite_where_the_gradient_vanishes():
    X = np.array([[1.0], [-1.0]])
    assert bgd.gradient_noise_scale([0.0], 0.0, X, [1.0, 0.0]) == pytest.approx(1.0)
    assert bgd.gradient_noise_scale([0.0], 0.0, np.array([[1.0], [1.0]]), [1.0, 0.0]) == math.inf


@pytest.mark.parametrize("point", [0, 2])
def test_two_batch_estimate_agrees_within_sampling_error(point, standardized):
    X, y = standardized.X_train, standardized.y_train
    w, b = _points(standardized)[point]
    exact = bgd.gradient_noise_scale(w, b, X, y)
    estimates = np.array(
        [
            bgd.gradient_noise_scale_from_batches(
                w, b, X, y, batch_sizes=(16, 512), n_batches=500, seed=s
            )
            for s in range(40)
        ]
    )
    standard_error = estimates.std(ddof=1) / math.sqrt(len(estimates))
    assert abs(estimates.mean() - exact) < 4 * standard_error + 0.01 * exact
    assert standard_error < 0.05 * exact  # the check has teeth: the estimates are precise


def test_two_batch_argument_checks(raw):
    args = (np.zeros(4), 0.0, raw.X_train, raw.y_train)
    with pytest.raises(ValueError, match="small < big"):
        bgd.gradient_noise_scale_from_batches(*args, batch_sizes=(64, 8))
    with pytest.raises(TypeError, match="pair"):
        bgd.gradient_noise_scale_from_batches(*args, batch_sizes=8)


# --------------------------------------------------------------------------------------------
# Sharpness of Keras models


def test_sharpness_of_keras_logistic_regression_is_the_exact_lambda_max(standardized):
    X, y = standardized.X_train, standardized.y_train
    opt = bgd.optimum(standardized)
    model = bgd.build_model(seed=2)
    for w, b in [(None, None), (0.2 * opt.weights, 0.2 * opt.bias)]:
        if w is not None:
            model.set_weights([w.reshape(4, 1).astype("float32"), np.array([b], "float32")])
        kernel, bias = (v.astype("float64") for v in model.get_weights())
        exact = np.linalg.eigvalsh(bgd.logistic_hessian(kernel, bias, X, y))[-1]
        assert bgd.sharpness(model, X, y) == pytest.approx(exact, rel=1e-3)


def test_sharpness_of_a_small_mlp_is_the_top_eigenvalue_of_its_full_hessian(standardized):
    import keras
    import tensorflow as tf

    X, y = standardized.X_train[:300], standardized.y_train[:300]
    model = bgd.build_model(hidden_units=6, activation="tanh", seed=4)
    variables = model.trainable_variables
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            loss = tf.reduce_mean(keras.losses.binary_crossentropy(y[:, None], model(X)))
        grad = tf.concat([tf.reshape(g, [-1]) for g in inner.gradient(loss, variables)], 0)
    rows = outer.jacobian(grad, variables)
    H = np.concatenate([np.reshape(r, (grad.shape[0], -1)) for r in rows], axis=1)
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    dominant = eigenvalues[np.argmax(np.abs(eigenvalues))]
    assert H.shape == (6 * 4 + 6 + 6 + 1,) * 2
    assert bgd.sharpness(model, X, y, max_iter=500, tol=1e-7) == pytest.approx(dominant, rel=1e-2)


def test_sharpness_argument_checks(standardized):
    with pytest.raises(TypeError, match="Keras model"):
        bgd.sharpness("model", standardized.X_train, standardized.y_train)
    model = bgd.build_model(seed=0)
    with pytest.raises(ValueError, match="one target per row"):
        bgd.sharpness(model, standardized.X_train, standardized.y_train[:5])
