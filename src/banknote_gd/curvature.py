r"""Curvature of the logistic-regression loss: the optimum, the Hessian, λmax and gradient noise.

The course's logistic regression has five parameters, so everything here is exact and cheap,
in ``float64`` NumPy. With the design matrix $A = [X, 1]$ (the bias is the **last**
parameter), $\theta = (w, b)$, the probabilities $p = \sigma(A\theta)$ and $n$ training rows:

* the loss, the mean binary cross-entropy, $L(\theta) = \frac1n \sum_i \ell_i$;
* its gradient $\nabla L = \frac1n A^\top (p - y)$;
* its Hessian $H = \frac1n A^\top \operatorname{diag}(p(1-p))\, A$, positive semi-definite.

Gradient descent with a constant rate $\eta$ near a point where the Hessian is $H$ cannot
increase the loss (to second order) while $\eta < 2/\lambda_{\max}(H)$: :func:`lambda_max`
measures that threshold anywhere, :func:`optimum` gives the minimum $L^*$ by Newton's
method, :func:`full_batch_descent` runs the deterministic full-batch descent that mini-batch
runs are compared with, :func:`minibatch_descent` the mini-batch descent with its loss after
every update, :func:`sharpness` measures $\lambda_{\max}$ of any Keras model's
loss, and :func:`gradient_noise_scale` the noise scale $B_{\text{simple}}$ of McCandlish et
al. (2018), the batch size above which larger batches stop paying off.

Examples
--------
>>> opt = optimum()
>>> round(opt.loss, 5), opt.iterations < 20
(0.01657, True)
"""

from __future__ import annotations

import math
import numbers
import warnings
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_bool, check_int, check_positive_float, check_seeds
from ._random import batch_order, initial_weights
from .by_hand import _logistic_inputs, bce_from_logits, sigmoid
from .data import Split, split_data

__all__ = [
    "FULL_BATCH_COLUMNS",
    "Optimum",
    "full_batch_descent",
    "gradient_noise_scale",
    "gradient_noise_scale_from_batches",
    "hessian_eigenvalues",
    "lambda_max",
    "logistic_gradient",
    "logistic_hessian",
    "logistic_loss",
    "minibatch_descent",
    "optimum",
    "sharpness",
]

FULL_BATCH_COLUMNS: tuple[str, ...] = ("step", "learning_rate", "loss", "diverged")
"""Columns of the frame :func:`full_batch_descent` returns (plus ``lambda_max`` on request)."""

_NEWTON_MAX_ITER = 100


# --------------------------------------------------------------------------------------------
# Loss, gradient and Hessian


def _design(X: np.ndarray) -> np.ndarray:
    """``[X, 1]``: the bias is the last parameter."""
    return np.column_stack([X, np.ones(X.shape[0])])


def _parts(weights: Any, bias: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(A, y, theta)`` in float64."""
    X, y, w, b = _logistic_inputs(X, y, weights, bias)
    return _design(X), y, np.append(w, b)


def _loss(A: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    return float(np.mean(bce_from_logits(A @ theta, y)))


def _gradient(A: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return A.T @ (sigmoid(A @ theta) - y) / A.shape[0]


def _hessian(A: np.ndarray, theta: np.ndarray) -> np.ndarray:
    p = sigmoid(A @ theta)
    return (A.T * (p * (1.0 - p))) @ A / A.shape[0]


def logistic_loss(weights: Any, bias: Any, X: Any, y: Any) -> float:
    """Mean binary cross-entropy of logistic regression with these weights, in float64.

    Parameters
    ----------
    weights
        One weight per feature, shape ``(d,)`` or Keras's kernel shape ``(d, 1)``.
    bias
        A number or an array of one number.
    X
        Features, shape ``(n, d)``.
    y
        Targets 0 or 1, shape ``(n,)``.

    Returns
    -------
    float
        $\\frac1n \\sum_i -y_i \\log p_i - (1 - y_i) \\log(1 - p_i)$ with
        $p_i = \\sigma(x_i \\cdot w + b)$, computed from the logits without overflow.

    Examples
    --------
    >>> round(logistic_loss([0.0], 0.0, [[1.0], [2.0]], [0, 1]), 6)  # log 2
    0.693147
    """
    return _loss(*_parts(weights, bias, X, y))


def logistic_gradient(weights: Any, bias: Any, X: Any, y: Any) -> np.ndarray:
    """Gradient of :func:`logistic_loss` with respect to ``(weights, bias)``, bias last.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.

    Returns
    -------
    numpy.ndarray
        Shape ``(d + 1,)``: $\\frac1n A^\\top (p - y)$ with $A = [X, 1]$.

    Examples
    --------
    >>> logistic_gradient([0.0], 0.0, [[1.0], [-1.0]], [1, 0]).tolist()
    [-0.5, 0.0]
    """
    return _gradient(*_parts(weights, bias, X, y))


def logistic_hessian(weights: Any, bias: Any, X: Any, y: Any) -> np.ndarray:
    """Exact Hessian of :func:`logistic_loss` with respect to ``(weights, bias)``, bias last.

    It does not depend on ``y``, which is checked all the same so that every function here
    takes the same arguments.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.

    Returns
    -------
    numpy.ndarray
        Shape ``(d + 1, d + 1)``, symmetric positive semi-definite:
        $\\frac1n A^\\top \\operatorname{diag}(p(1-p)) A$ with $A = [X, 1]$.

    Examples
    --------
    >>> logistic_hessian([0.0], 0.0, [[1.0], [-1.0]], [1, 0]).tolist()  # p(1-p) = 1/4
    [[0.25, 0.0], [0.0, 0.25]]
    """
    A, _, theta = _parts(weights, bias, X, y)
    return _hessian(A, theta)


def hessian_eigenvalues(weights: Any, bias: Any, X: Any, y: Any) -> np.ndarray:
    """All eigenvalues of the exact Hessian (:func:`logistic_hessian`), in ascending order.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.

    Returns
    -------
    numpy.ndarray
        Shape ``(d + 1,)``, ascending, from ``numpy.linalg.eigvalsh``. The last one is
        $\\lambda_{\\max}$; ``2 / eigenvalues[-1]`` is the largest constant learning rate
        for which a gradient step near these weights cannot increase the loss.

    Examples
    --------
    >>> split = split_data(standardize=True)
    >>> eigenvalues = hessian_eigenvalues([0, 0, 0, 0], 0.0, split.X_train, split.y_train)
    >>> round(float(2 / eigenvalues[-1]), 2)  # the rate limit at w = 0
    3.65
    """
    return np.linalg.eigvalsh(logistic_hessian(weights, bias, X, y))


# --------------------------------------------------------------------------------------------
# Power iteration


def _power_iteration(
    hvp: Any, size: int, *, max_iter: int, tol: float, seed: int, dtype: Any = np.float64
) -> float:
    """Dominant eigenvalue of a symmetric operator given by its products ``hvp(v)``.

    Stops when the Rayleigh quotient changes by less than ``tol`` relative to its size;
    warns if ``max_iter`` products were not enough.
    """
    v = np.random.default_rng(seed).standard_normal(size).astype(dtype)
    v /= np.linalg.norm(v)
    estimate = math.nan
    for _ in range(max_iter):
        hv = np.asarray(hvp(v), dtype=np.float64)
        new = float(v.astype(np.float64) @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0.0:
            return 0.0
        v = (hv / norm).astype(dtype)
        if abs(new - estimate) <= tol * abs(new):
            return new
        estimate = new
    warnings.warn(
        f"power iteration did not settle to a relative change of {tol:g} in {max_iter} "
        f"Hessian-vector products; returning the last estimate {estimate:.6g}. Raise max_iter.",
        RuntimeWarning,
        stacklevel=3,
    )
    return estimate


def lambda_max(
    weights: Any,
    bias: Any,
    X: Any,
    y: Any,
    *,
    max_iter: int = 1000,
    tol: float = 1e-10,
    seed: int = 0,
) -> float:
    """Largest Hessian eigenvalue by power iteration on Hessian-vector products.

    The Hessian is never formed: each product is
    $Hv = \\frac1n A^\\top (p(1-p) \\odot Av)$, which costs two passes over the rows. This
    is how curvature is measured on models too big for an explicit Hessian (see
    :func:`sharpness` for Keras models); here :func:`hessian_eigenvalues` gives the exact
    answer to check it against.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.
    max_iter
        Most Hessian-vector products to take (>= 1).
    tol
        Stop when the estimate changes by less than this fraction of itself (> 0).
    seed
        Seed of the random starting vector.

    Returns
    -------
    float
        $\\lambda_{\\max}$, the Rayleigh quotient $v^\\top H v$ of the last unit vector.

    Examples
    --------
    >>> split = split_data(standardize=False)
    >>> top = lambda_max([0, 0, 0, 0], 0.0, split.X_train, split.y_train)
    >>> round(2 / top, 3)  # the rate limit at w = 0 on the raw features
    0.154
    """
    A, _, theta = _parts(weights, bias, X, y)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_positive_float("tol", tol)
    seed = check_int("seed", seed, minimum=0)
    p = sigmoid(A @ theta)
    s = p * (1.0 - p) / A.shape[0]
    return _power_iteration(
        lambda v: A.T @ (s * (A @ v)), A.shape[1], max_iter=max_iter, tol=tol, seed=seed
    )


# --------------------------------------------------------------------------------------------
# The optimum


@dataclass(frozen=True)
class Optimum:
    """The minimum of the training loss of logistic regression, as :func:`optimum` finds it.

    Attributes
    ----------
    weights : numpy.ndarray
        The weights at the minimum, shape ``(n_features,)``, float64.
    bias : float
        The bias at the minimum.
    loss : float
        $L^*$, the mean binary cross-entropy on the training rows at the minimum: no
        training of this model on these rows can end lower.
    train_accuracy, test_accuracy : float
        Accuracy (threshold 0.5) of these weights on the training and the test rows.
    iterations : int
        Newton steps taken.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Hessian at the minimum, ascending (bias last in the Hessian).
    standardized : bool
        Whether the features were standardised.
    validation_size, split_seed
        The split's ``validation_size`` and ``random_state``: which rows were the training
        rows. :func:`banknote_gd.excess_loss` checks them against a frame's columns.
    """

    weights: np.ndarray
    bias: float
    loss: float
    train_accuracy: float
    test_accuracy: float
    iterations: int
    eigenvalues: np.ndarray = field(repr=False)
    standardized: bool
    validation_size: float = 0.0
    split_seed: int = 42

    @property
    def lambda_max(self) -> float:
        """Largest Hessian eigenvalue at the minimum; ``2 / lambda_max`` is the rate limit there.

        Examples
        --------
        >>> round(2 / optimum(standardize=False).lambda_max, 2)
        4.79
        """
        return float(self.eigenvalues[-1])


@lru_cache(maxsize=4)
def _course_split(standardize: bool) -> Split:
    return split_data(standardize=standardize)


def _resolve_data(data: Split | None, standardize: bool | None) -> Split:
    """The Split to use: ``data``, or the course's split; refuse a contradicting flag."""
    if standardize is not None:
        standardize = check_bool("standardize", standardize)
    if data is None:
        return _course_split(True if standardize is None else standardize)
    if not isinstance(data, Split):
        raise TypeError(
            f"data must be a banknote_gd.Split from split_data(), got {type(data).__name__}."
        )
    if standardize is not None and standardize != data.standardized:
        raise ValueError(
            f"standardize={standardize!r} contradicts data, which was split with "
            f"standardize={data.standardized}; leave standardize out when passing data."
        )
    return data


def _newton(A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    """Minimise the loss by Newton's method with a backtracking line search, from 0."""
    theta = np.zeros(A.shape[1])
    loss = _loss(A, y, theta)
    for iteration in range(1, _NEWTON_MAX_ITER + 1):
        gradient = _gradient(A, y, theta)
        step = np.linalg.lstsq(_hessian(A, theta), gradient, rcond=None)[0]
        decrement = float(gradient @ step)  # the Newton decrement, squared
        if loss < 1e-12:  # every row fitted perfectly: the minimum is at infinity
            break
        if decrement <= 1e-22 * loss:
            return theta, iteration - 1
        t = 1.0
        while _loss(A, y, theta - t * step) > loss - 0.25 * t * decrement and t > 1e-10:
            t /= 2.0
        theta = theta - t * step
        loss = _loss(A, y, theta)
    raise ValueError(
        f"Newton's method stopped after {iteration} steps at loss {loss:.3g} without "
        "converging: the training rows are linearly separable (or nearly), so the loss has no "
        "finite minimum; logistic regression's weights grow without bound."
    )


def _accuracy(A: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    return float(np.mean((A @ theta > 0.0) == (y > 0.5)))


def optimum(data: Split | None = None, *, standardize: bool | None = None) -> Optimum:
    """The weights that minimise the training loss of logistic regression, by Newton's method.

    Unpenalised maximum likelihood on the training rows of ``data``: Newton's method from
    ``w = 0`` (with a backtracking line search), in float64, until the squared Newton
    decrement is below 1e-22 times the loss. The minimum loss $L^*$ is the yardstick for
    every training run of the course's logistic regression: a run's *excess loss* is $L - L^*$ (see
    :func:`banknote_gd.excess_loss`). $L^*$ is the same on raw and standardised features
    (standardising is an invertible affine map of the inputs); the weights and the Hessian
    are not.

    Parameters
    ----------
    data
        A :class:`banknote_gd.Split`; by default the course's split (test_size 0.3,
        random_state 42).
    standardize
        Without ``data``: standardise the features (default True). With ``data``: leave it
        out (it must agree with ``data.standardized`` if given).

    Returns
    -------
    Optimum
        Weights, bias, $L^*$, train and test accuracy, Newton steps and the Hessian's
        eigenvalues at the minimum.

    Raises
    ------
    ValueError
        If the training rows are linearly separable (no finite minimum).

    Examples
    --------
    >>> opt = optimum(standardize=False)
    >>> round(opt.loss, 5), round(opt.test_accuracy, 4)
    (0.01657, 0.9903)
    >>> round(2 / opt.lambda_max, 2)  # the rate limit at the minimum, raw features
    4.79
    """
    data = _resolve_data(data, standardize)
    A = _design(np.asarray(data.X_train, dtype=np.float64))
    y = np.asarray(data.y_train, dtype=np.float64)
    theta, iterations = _newton(A, y)
    A_test = _design(np.asarray(data.X_test, dtype=np.float64))
    return Optimum(
        weights=theta[:-1].copy(),
        bias=float(theta[-1]),
        loss=_loss(A, y, theta),
        train_accuracy=_accuracy(A, y, theta),
        test_accuracy=_accuracy(A_test, np.asarray(data.y_test, dtype=np.float64), theta),
        iterations=iterations,
        eigenvalues=np.linalg.eigvalsh(_hessian(A, theta)),
        standardized=data.standardized,
        validation_size=float(getattr(data, "validation_size", 0.0)),
        split_seed=int(getattr(data, "random_state", 42)),
    )


# --------------------------------------------------------------------------------------------
# Full-batch gradient descent


def _check_rates(learning_rate: Any) -> list[float]:
    if isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool):
        return [check_positive_float("learning_rate", learning_rate)]
    if isinstance(learning_rate, (str, bytes)) or not hasattr(learning_rate, "__iter__"):
        raise TypeError(
            f"learning_rate must be a number > 0 or a list of them, got {learning_rate!r}."
        )
    rates = [check_positive_float("learning_rate", r) for r in learning_rate]
    if not rates:
        raise ValueError("learning_rate must not be an empty list.")
    return rates


def _starts(data: Split, weights: Any, bias: Any, seed: Any) -> tuple[list[int | None], np.ndarray]:
    """The seeds (or ``[None]``) and the starting points, one column ``(w, b)`` per start."""
    d = data.X_train.shape[1]
    if seed is None:
        weights = np.zeros(d) if weights is None else weights
        bias = 0.0 if bias is None else bias
        _, _, w, b = _logistic_inputs(data.X_train[:1], data.y_train[:1], weights, bias)
        return [None], np.append(w, b)[:, None]
    if weights is not None or bias is not None:
        raise ValueError("give either seed or weights/bias as the starting point, not both.")
    seeds = [seed] if isinstance(seed, numbers.Integral) else seed
    seeds = check_seeds(seeds)
    columns = []
    for s in seeds:
        kernel, b = initial_weights(s, n_features=d)
        columns.append(np.append(kernel.astype(np.float64).reshape(d), float(b[0])))
    return list(seeds), np.stack(columns, axis=1)


def _descend(
    A: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    rates: np.ndarray,
    steps: int,
    track: bool,
    batches: list[np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Descend from every column of ``theta`` (d+1, m) at its rate; values (steps+1, m).

    Each update uses every row, or with ``batches`` the rows ``batches[step]`` (an array of
    shape (m, rows): each member's own batch); the loss is always that of every row."""
    n, m = A.shape[0], theta.shape[1]
    losses = np.full((steps + 1, m), np.nan)
    tops = np.full((steps + 1, m), np.nan)
    path = np.full((steps + 1, *theta.shape), np.nan)  # the weights at every point
    alive = np.ones(m, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            z = A @ theta
            loss = np.mean(bce_from_logits(z, y[:, None]), axis=0)
            finite = np.isfinite(loss) & np.all(np.isfinite(theta), axis=0) & alive
            losses[step] = np.where(finite, loss, np.where(alive, np.inf, np.nan))
            path[step] = theta
            p = sigmoid(z) if track or batches is None else None  # of every row
            if track and finite.any():
                weights = (p * (1.0 - p))[:, finite].T[:, :, None] * A  # (members, n, d+1)
                hessians = np.swapaxes(weights, 1, 2) @ A / n
                tops[step, finite] = np.linalg.eigvalsh(hessians)[:, -1]
            alive = finite
            if step == steps or not alive.any():
                break
            theta = theta - rates * _batch_gradient(A, y, theta, p, batches, step)
    return {"loss": losses, "lambda_max": tops, "weights": path}


def _batch_gradient(A, y, theta, p, batches, step) -> np.ndarray:
    """The gradient of every member (d+1, m): over all rows, or its batch of ``step``."""
    if batches is None:
        return A.T @ (p - y[:, None]) / A.shape[0]
    rows = batches[step]  # (m, b)
    Ab = A[rows]  # (m, b, d+1)
    residual = sigmoid((Ab @ theta.T[:, :, None])[:, :, 0]) - y[rows]  # (m, b)
    return (residual[:, None, :] @ Ab)[:, 0, :].T / rows.shape[1]


def _path_frame(
    values: dict[str, np.ndarray],
    rates: np.ndarray,
    seeds: list,
    track: bool,
    weight_names: list[str] | None = None,
) -> pd.DataFrame:
    """Long frame from (steps+1, members) arrays, ordered by rate, seed, step; with
    ``weight_names`` (one per parameter, bias last), the weights at every point too."""
    losses = values["loss"]
    steps, m = losses.shape
    member = np.repeat(np.arange(m), steps)
    step = np.tile(np.arange(steps), m)
    loss = losses.T.reshape(-1)
    frame = {"step": step, "learning_rate": rates[member]}
    if seeds != [None]:
        frame["seed"] = np.tile(np.asarray(seeds, dtype=np.int64), len(rates) // len(seeds))[member]
    frame["loss"] = loss
    frame["diverged"] = np.isinf(losses).any(axis=0)[member]
    if track:
        frame["lambda_max"] = values["lambda_max"].T.reshape(-1)
    for k, name in enumerate(weight_names or []):
        frame[name] = values["weights"][:, k, :].T.reshape(-1)
    keep = ~np.isnan(loss)  # the steps after a divergence were not taken
    return pd.DataFrame(frame)[keep].reset_index(drop=True)


def full_batch_descent(
    data: Split | None = None,
    *,
    learning_rate: float | list[float],
    steps: int,
    weights: Any = None,
    bias: Any = None,
    seed: int | list[int] | None = None,
    standardize: bool | None = None,
    track_lambda_max: bool = False,
) -> pd.DataFrame:
    """Full-batch gradient descent on logistic regression, in float64 NumPy.

    Every update uses all the training rows: $\\theta \\leftarrow \\theta - \\eta \\nabla
    L(\\theta)$. There is no sampling noise, so the path is deterministic; it is the control
    that mini-batch runs are compared with (any difference is noise from the batches). All
    rates and starting points descend together, vectorised.

    Parameters
    ----------
    data
        A :class:`banknote_gd.Split`; by default the course's split.
    learning_rate
        The constant rate η (> 0), or a list of rates: one descent per rate.
    steps
        Number of updates (>= 1).
    weights, bias
        Starting point; zero by default (``w = 0``, where every probability is 1/2).
    seed
        Start instead from the initial weights the package's Keras models get with this
        seed (Glorot-uniform kernel, zero bias), to compare with a run of that seed; a list
        of seeds gives one descent per rate and seed.
    standardize
        Without ``data``: standardise the features (default True).
    track_lambda_max
        Add a column ``lambda_max``: the largest Hessian eigenvalue at each point (exact).

    Returns
    -------
    pandas.DataFrame
        One row per point visited, rate (and seed), ordered by rate, seed and step; columns
        ``step`` (updates taken, from 0), ``learning_rate``, ``seed`` (only when ``seed``
        is given), ``loss`` (mean binary cross-entropy on the training rows at that point),
        ``diverged`` (the loss became infinite; that descent stops there, and the flag is
        the same on all its rows) and, on request, ``lambda_max``.

    Examples
    --------
    >>> path = full_batch_descent(learning_rate=[1.0, 5.0], steps=50, track_lambda_max=True)
    >>> path.groupby("learning_rate")["loss"].last().round(3).tolist()
    [0.118, 0.054]
    >>> round(float(2 / path["lambda_max"].iloc[0]), 2)  # at w = 0, standardised features
    3.65
    >>> full_batch_descent(learning_rate=[0.1, 1.0], steps=5, seed=[0, 1, 2]).shape
    (36, 5)
    """
    data = _resolve_data(data, standardize)
    rates = _check_rates(learning_rate)
    steps = check_int("steps", steps, minimum=1)
    track = check_bool("track_lambda_max", track_lambda_max)
    seeds, starts = _starts(data, weights, bias, seed)
    A = _design(np.asarray(data.X_train, dtype=np.float64))
    y = np.asarray(data.y_train, dtype=np.float64)
    theta = np.tile(starts, len(rates))  # members: rate-major, then seed
    member_rates = np.repeat(np.asarray(rates), len(seeds))
    values = _descend(A, y, theta, member_rates, steps, track)
    return _path_frame(values, member_rates, seeds, track)


def minibatch_descent(
    data: Split | None = None,
    *,
    learning_rate: float | list[float],
    batch_size: int,
    epochs: int,
    seed: int | list[int],
    standardize: bool | None = None,
    track_weights: bool = False,
) -> pd.DataFrame:
    """Mini-batch gradient descent on logistic regression, with the loss after every update.

    The same descent as the package's models and sweeps (Keras's ``SGD``, constant rate):
    each seed's initial weights (:func:`banknote_gd.initial_weights`) and batch order
    (:func:`banknote_gd.batch_order`: a new permutation of the training rows every epoch,
    cut into batches of ``batch_size``, the last one shorter when ``batch_size`` does not
    divide the rows), in float64 NumPy, every rate and seed together. Unlike a sweep, which
    evaluates the loss at the end of each epoch, it records the loss on every training row
    after every single update, so that batch sizes can be compared update by update.

    Parameters
    ----------
    data
        A :class:`banknote_gd.Split`; by default the course's split.
    learning_rate
        The constant rate η (> 0), or a list of rates: one descent per rate and seed.
    batch_size
        Rows per update, from 1 to the number of training rows.
    epochs
        Passes over the training rows (>= 1).
    seed
        A seed or a list of seeds.
    standardize
        Without ``data``: standardise the features (default True).
    track_weights
        Add the weights at every point: a column ``w_<feature>`` per feature and ``b``.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`full_batch_descent` (without ``lambda_max``): one row per
        point visited, rate and seed, ordered by rate, seed and ``step`` (updates taken, from
        0, every update of every epoch); on request, the weights.

    Examples
    --------
    >>> path = minibatch_descent(learning_rate=[0.1, 1.0], batch_size=32, epochs=2, seed=[0, 1])
    >>> len(path), int(path["step"].max())  # 2 rates x 2 seeds x (1 + 2 epochs x 30 updates)
    (244, 60)
    """
    data = _resolve_data(data, standardize)
    rates = _check_rates(learning_rate)
    n = data.X_train.shape[0]
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n)
    epochs = check_int("epochs", epochs, minimum=1)
    if seed is None:
        raise ValueError("seed is required: it fixes the initial weights and the batch order.")
    seeds, starts = _starts(data, None, None, seed)
    A = _design(np.asarray(data.X_train, dtype=np.float64))
    y = np.asarray(data.y_train, dtype=np.float64)
    theta = np.tile(starts, len(rates))  # members: rate-major, then seed
    member_rates = np.repeat(np.asarray(rates), len(seeds))
    batches = _batches(seeds, len(rates), n, batch_size, epochs)
    values = _descend(A, y, theta, member_rates, len(batches), False, batches)
    names = None
    if check_bool("track_weights", track_weights):
        names = [*(f"w_{feature}" for feature in data.feature_names), "b"]
    return _path_frame(values, member_rates, seeds, False, names)


def _batches(seeds: list, n_rates: int, n: int, batch_size: int, epochs: int) -> list:
    """Every update's rows, (members, rows) each: a member's batches are its seed's."""
    orders = np.stack([batch_order(s, n_samples=n, epochs=epochs) for s in seeds])
    members = np.tile(orders, (n_rates, 1, 1))  # rate-major, then seed, as theta
    return [
        members[:, epoch, start : start + batch_size]
        for epoch in range(epochs)
        for start in range(0, n, batch_size)
    ]


# --------------------------------------------------------------------------------------------
# Gradient noise scale


def _per_example_gradients(A: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return (sigmoid(A @ theta) - y)[:, None] * A


def gradient_noise_scale(
    weights: Any, bias: Any, X: Any, y: Any, *, hessian_weighted: bool = False
) -> float:
    """The simple gradient noise scale $B_{\\text{simple}} = \\operatorname{tr}(\\Sigma) / |G|^2$.

    From McCandlish, Kaplan, Amodei et al. (2018), *An Empirical Model of Large-Batch
    Training*: $G$ is the full-batch gradient and $\\Sigma$ the covariance of the
    per-example gradients $g_i = (p_i - y_i)(x_i, 1)$ over the rows (the rows taken as the
    whole population: divided by $n$). A mini-batch of $B$ rows drawn at random has
    $E|G_B|^2 = |G|^2 + \\operatorname{tr}(\\Sigma)/B$, so $B_{\\text{simple}}$ is the batch
    size at which the noise in a batch gradient is as large as the gradient itself: below
    it, doubling the batch nearly halves the steps needed; far above it, it barely helps.

    With ``hessian_weighted``, the noise scale of their analysis itself,
    $B_{\\text{noise}} = \\operatorname{tr}(H\\Sigma) / G^\\top H G$, with $H$ the Hessian
    (:func:`logistic_hessian`): for a quadratic model of the loss, the best step along a
    batch gradient improves the loss by $\\Delta L_{\\max} / (1 + B_{\\text{noise}}/B)$.
    $B_{\\text{simple}}$ equals it when $H$ is a multiple of the identity.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.
    hessian_weighted
        Return $B_{\\text{noise}}$ instead of $B_{\\text{simple}}$.

    Returns
    -------
    float
        $B_{\\text{simple}}$ (or $B_{\\text{noise}}$) at these weights. It grows without
        bound towards the optimum, where $G = 0$ (``inf`` exactly there).

    Examples
    --------
    >>> split = split_data()
    >>> round(gradient_noise_scale([0, 0, 0, 0], 0.0, split.X_train, split.y_train), 2)
    5.47
    >>> X, y = split.X_train, split.y_train
    >>> round(gradient_noise_scale([0, 0, 0, 0], 0.0, X, y, hessian_weighted=True), 2)
    5.46
    """
    A, y, theta = _parts(weights, bias, X, y)
    g = _per_example_gradients(A, y, theta)
    G = g.mean(axis=0)
    if check_bool("hessian_weighted", hessian_weighted):
        H = _hessian(A, theta)
        centred = g - G
        trace = float(np.einsum("ij,jk,ik->", centred, H, centred)) / len(g)  # tr(H Sigma)
        norm2 = float(G @ H @ G)
    else:
        trace = float(np.sum(g.var(axis=0)))
        norm2 = float(G @ G)
    return math.inf if norm2 == 0.0 else trace / norm2


def gradient_noise_scale_from_batches(
    weights: Any,
    bias: Any,
    X: Any,
    y: Any,
    *,
    batch_sizes: tuple[int, int] = (16, 512),
    n_batches: int = 1000,
    seed: int = 0,
) -> float:
    """$B_{\\text{simple}}$ estimated from batch gradients of two sizes only.

    The estimator of McCandlish et al. (2018, appendix A), for when per-example gradients
    are not at hand: with the mean squared norms $\\overline{|G_B|^2}$ of gradients over
    batches of a small size $b$ and a big size $B$,

    $|G|^2 \\approx \\frac{B\\,\\overline{|G_B|^2} - b\\,\\overline{|G_b|^2}}{B - b}$ and
    $\\operatorname{tr}\\Sigma \\approx \\frac{\\overline{|G_b|^2} -
    \\overline{|G_B|^2}}{1/b - 1/B}$,

    both unbiased; their ratio estimates :func:`gradient_noise_scale`. The rows of each
    batch are drawn independently with replacement, so that the identity
    $E|G_B|^2 = |G|^2 + \\operatorname{tr}(\\Sigma)/B$ holds exactly.

    Parameters
    ----------
    weights, bias, X, y
        As for :func:`logistic_loss`.
    batch_sizes
        ``(small, big)``, whole numbers with 1 <= small < big. The estimate is most precise
        when they bracket the noise scale.
    n_batches
        Batches of each size to average over (>= 1).
    seed
        Seed of the draw of the batches.

    Returns
    -------
    float
        The estimate (a ratio of two noisy estimates: it scatters around the exact value
        and is biased for few batches).

    Examples
    --------
    >>> split = split_data()
    >>> estimate = gradient_noise_scale_from_batches(
    ...     [0, 0, 0, 0], 0.0, split.X_train, split.y_train, n_batches=2000
    ... )
    >>> bool(abs(estimate - 5.47) < 0.5)
    True
    """
    A, y, theta = _parts(weights, bias, X, y)
    small, big = _check_batch_sizes(batch_sizes)
    n_batches = check_int("n_batches", n_batches, minimum=1)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    g = _per_example_gradients(A, y, theta)
    mean_small, mean_big = (_mean_squared_norm(g, size, n_batches, rng) for size in (small, big))
    norm2 = (big * mean_big - small * mean_small) / (big - small)
    trace = (mean_small - mean_big) / (1.0 / small - 1.0 / big)
    return math.inf if norm2 == 0.0 else trace / norm2


def _check_batch_sizes(batch_sizes: Any) -> tuple[int, int]:
    try:
        small, big = batch_sizes
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"batch_sizes must be a pair (small, big) of whole numbers, got {batch_sizes!r}."
        ) from error
    small = check_int("batch_sizes[0]", small, minimum=1)
    big = check_int("batch_sizes[1]", big, minimum=1)
    if not small < big:
        raise ValueError(f"batch_sizes must be (small, big) with small < big, got {batch_sizes!r}.")
    return small, big


def _mean_squared_norm(g: np.ndarray, size: int, n_batches: int, rng: np.random.Generator) -> float:
    """Mean over ``n_batches`` batches of ``size`` rows (with replacement) of |G_B|²."""
    rows = rng.integers(0, g.shape[0], size=(n_batches, size))
    batch_gradients = g[rows].mean(axis=1)
    return float(np.mean(np.sum(batch_gradients**2, axis=1)))


# --------------------------------------------------------------------------------------------
# Sharpness of a Keras model


def sharpness(
    model: Any,
    X: Any,
    y: Any,
    *,
    max_iter: int = 200,
    tol: float = 1e-5,
    seed: int = 0,
) -> float:
    """λmax of a Keras model's training loss, by power iteration with Hessian-vector products.

    The loss is the mean binary cross-entropy of ``model`` on ``(X, y)`` (what the package's
    models are compiled with). Each product $Hv$ is the gradient of $\\nabla L \\cdot v$
    (double backpropagation with two nested ``tf.GradientTape``), so the Hessian is never
    formed: this works for any model size. It is the *sharpness* that Cohen et al. (2021,
    *Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability*) track
    during training and compare with $2/\\eta$. The arithmetic is in the model's float32.

    Parameters
    ----------
    model
        A Keras model with one sigmoid output, for example from
        :func:`banknote_gd.build_model`.
    X, y
        Rows and targets (0 or 1) the loss is measured on, usually the training rows.
    max_iter
        Most Hessian-vector products to take (>= 1).
    tol
        Stop when the estimate changes by less than this fraction of itself (> 0).
    seed
        Seed of the random starting vector.

    Returns
    -------
    float
        The eigenvalue of the Hessian with the largest magnitude (for a model whose Hessian
        is positive semi-definite, such as logistic regression, that is $\\lambda_{\\max}$).

    Examples
    --------
    >>> from banknote_gd import build_model
    >>> split = split_data()
    >>> model = build_model(seed=0)
    >>> kernel, bias = (w.astype("float64") for w in model.get_weights())
    >>> exact = hessian_eigenvalues(kernel, bias, split.X_train, split.y_train)[-1]
    >>> bool(abs(sharpness(model, split.X_train, split.y_train) / exact - 1) < 1e-3)
    True
    """
    X, y = _check_model_inputs(model, X, y)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_positive_float("tol", tol)
    seed = check_int("seed", seed, minimum=0)
    hvp, size = _keras_hvp(model, X, y)
    return _power_iteration(hvp, size, max_iter=max_iter, tol=tol, seed=seed, dtype=np.float32)


def _check_model_inputs(model: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (rows, features) with rows, got shape {X.shape}.")
    if y.shape not in {(X.shape[0],), (X.shape[0], 1)}:
        raise ValueError(
            f"y must have one target per row of X, shape ({X.shape[0]},), got {y.shape}."
        )
    if not model.trainable_variables:
        raise ValueError("model has no trainable weights; build it (call it once) first.")
    return X, y.reshape(-1, 1)


_HVP_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""One compiled Hessian-vector product per Keras model, reused across calls of sharpness."""


def _keras_hvp(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[Any, int]:
    """A function ``v -> H v`` (flat float32 vectors) for the model's mean BCE on X, y."""
    import tensorflow as tf

    sizes = [int(np.prod(v.shape)) for v in model.trainable_variables]
    product = _HVP_CACHE.get(model)
    if product is None:
        product = _HVP_CACHE[model] = _compile_hvp(weakref.ref(model), X.shape[1])
    X_t, y_t = tf.constant(X), tf.constant(y)
    return (lambda v: product(tf.constant(v, dtype=tf.float32), X_t, y_t).numpy()), sum(sizes)


def _compile_hvp(model_ref: weakref.ref, n_features: int) -> Any:
    """Compile ``(v, X, y) -> H v`` once per model (traced once; X and y are arguments).

    The model is held by a weak reference so that the cache does not keep it alive.
    """
    import keras
    import tensorflow as tf

    signature = [
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([None, n_features], tf.float32),
        tf.TensorSpec([None, 1], tf.float32),
    ]

    @tf.function(input_signature=signature)
    def product(flat: tf.Tensor, X: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        model = model_ref()
        variables = list(model.trainable_variables)
        sizes = [int(np.prod(v.shape)) for v in variables]
        vectors = [tf.reshape(p, v.shape) for p, v in zip(tf.split(flat, sizes), variables)]
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = tf.reduce_mean(keras.losses.binary_crossentropy(y, model(X)))
            grads = inner.gradient(loss, variables)
            dot = tf.add_n([tf.reduce_sum(g * v) for g, v in zip(grads, vectors)])
        hv = outer.gradient(dot, variables)
        return tf.concat([tf.reshape(h, [-1]) for h in hv], axis=0)

    return product
