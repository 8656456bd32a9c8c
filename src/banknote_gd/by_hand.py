r"""Gradient descent by hand: the update rule in a few lines of NumPy, no Keras.

Every optimizer in the course is a variation on one rule. To make a loss $L$ smaller,
take each parameter a small step against its partial derivative:

$$
w \leftarrow w - \eta \, \frac{\partial L}{\partial w}
$$

where $\eta$ (``learning_rate``) is the learning rate. With a decay, the step ``t``
(counting from 0) uses $\eta_t = \eta / (1 + \text{decay} \cdot t)$ (inverse-time
decay, Keras's ``InverseTimeDecay`` with ``decay_steps=1``).

Two models are fitted here by hand:

* **A line** ``y ≈ w·x + b`` on toy data (:func:`make_line_data`, :func:`fit_line`), with the
  mean squared error $L = \frac1n \sum_i (w x_i + b - y_i)^2$, whose gradient is
  $\partial L/\partial w = \frac2n \sum_i r_i x_i$ and
  $\partial L/\partial b = \frac2n \sum_i r_i$ with the residuals
  $r_i = w x_i + b - y_i$. Every step uses all the rows (full-batch gradient descent).
  With only two parameters the loss is a surface that can be drawn
  (:func:`line_loss_surface`, :func:`plot_loss_surface`) and the path of the descent drawn
  on it.
* **Logistic regression** on the banknotes (:func:`logistic_regression_sgd`): the
  probability that a note is forged is $\sigma(z)$ with the logit
  $z = x \cdot w + b$, the loss the binary cross-entropy averaged over a mini-batch,
  and its gradient $\partial L/\partial w = \frac1m \sum_i (\sigma(z_i) - y_i)\,x_i$,
  $\partial L/\partial b = \frac1m \sum_i (\sigma(z_i) - y_i)$. Given the same initial
  weights and the same batch order, it reproduces Keras's ``SGD`` (the tests check that the
  weights agree to 1e-5).

Examples
--------
>>> data = make_line_data(seed=0)
>>> path = fit_line(data["x"], data["y"], learning_rate=0.25, steps=100)
>>> w, b = least_squares(data["x"], data["y"])
>>> bool(abs(path["w"].iloc[-1] - w) < 1e-6 and abs(path["b"].iloc[-1] - b) < 1e-6)
True
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import check_int, check_positive_float
from ._random import batch_order

if TYPE_CHECKING:
    import matplotlib.axes

__all__ = [
    "LINE_COLUMNS",
    "LogisticResult",
    "bce_from_logits",
    "contraction_factor",
    "fit_line",
    "least_squares",
    "line_hessian",
    "line_loss",
    "line_loss_surface",
    "logistic_regression_sgd",
    "make_line_data",
    "plot_loss_surface",
    "sigmoid",
]

LINE_COLUMNS: tuple[str, ...] = (
    "step",
    "w",
    "b",
    "loss",
    "grad_w",
    "grad_b",
    "learning_rate",
    "diverged",
)
"""Columns of the trajectory :func:`fit_line` returns, in order."""

_PATH_COLORS = (0, 1, 2, 4, 3, 9, 5, 6, 8, 7)
"""Order in which :func:`plot_loss_surface` takes the colours of seaborn's colour-blind palette:
blue, orange, green, purple, vermilion, cyan, brown, pink, yellow, grey."""

_VIEW_LOSS_FACTOR = 10.0
"""Default plot ranges cover the trajectory points whose loss is at most this many times the
largest starting loss; a diverging path runs off the edge beyond them."""


# --------------------------------------------------------------------------------------------
# Argument checks


def _check_real(name: str, value: Any, *, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float (optionally >= ``minimum``) or raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value!r}.")
    return value


def _as_vector(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a 1-D finite float64 array or raise naming it."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be an array of numbers, got {type(values).__name__}."
        ) from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers only; it holds NaN or inf.")
    return array


def _line_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _as_vector("x", x), _as_vector("y", y)
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same length (one y per x), got {x.size} and {y.size}."
        )
    return x, y


def _check_range(name: str, value: Any) -> tuple[float, float]:
    try:
        low, high = value
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}.") from error
    low, high = _check_real(f"{name}[0]", low), _check_real(f"{name}[1]", high)
    if not low < high:
        raise ValueError(f"{name} must be (low, high) with low < high, got {value!r}.")
    return low, high


# --------------------------------------------------------------------------------------------
# A line by hand


def make_line_data(
    *,
    n: int = 50,
    slope: float = 2.0,
    intercept: float = -1.0,
    noise: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Toy data for fitting a line: ``y = slope·x + intercept`` plus Gaussian noise.

    ``x`` is drawn uniformly from [-1, 3]. Its mean is not 0, so slope and intercept are
    entangled and the loss surface is an elongated bowl, which is what makes the learning
    rate matter.

    Parameters
    ----------
    n
        Number of points, at least 2.
    slope, intercept
        The true line.
    noise
        Standard deviation of the Gaussian noise added to ``y`` (>= 0).
    seed
        Seed of the draw; the same seed gives the same data.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, columns ``x`` and ``y`` (``float64``).

    Examples
    --------
    >>> data = make_line_data(n=5, noise=0.0)
    >>> data.shape
    (5, 2)
    >>> bool(np.allclose(data["y"], 2.0 * data["x"] - 1.0))
    True
    """
    n = check_int("n", n, minimum=2)
    slope = _check_real("slope", slope)
    intercept = _check_real("intercept", intercept)
    noise = _check_real("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 3.0, size=n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return pd.DataFrame({"x": x, "y": y})


def least_squares(x: Any, y: Any) -> tuple[float, float]:
    """The slope and intercept that minimise the mean squared error (the bottom of the bowl).

    Parameters
    ----------
    x, y
        The data, two 1-D arrays of the same length.

    Returns
    -------
    tuple of float
        ``(w, b)``, the same line as ``numpy.polyfit(x, y, 1)``.

    Examples
    --------
    >>> w, b = least_squares([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> round(w, 9), round(b, 9)
    (2.0, 1.0)
    """
    x, y = _line_xy(x, y)
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def line_loss(x: Any, y: Any, w: Any, b: Any) -> np.ndarray | float:
    """Mean squared error of the line ``w·x + b`` on the data, for one or many ``(w, b)``.

    ``w`` and ``b`` broadcast against each other (for example the two arrays of
    ``numpy.meshgrid``), and the loss has their broadcast shape. It is computed from the
    data's moments, so a large grid costs no more memory than the grid itself.

    Parameters
    ----------
    x, y
        The data, two 1-D arrays of the same length.
    w, b
        Slope(s) and intercept(s): numbers or arrays.

    Returns
    -------
    float or numpy.ndarray
        $\\frac1n \\sum_i (w x_i + b - y_i)^2$; a float when ``w`` and ``b`` are numbers.

    Examples
    --------
    >>> line_loss([0.0, 1.0], [1.0, 3.0], w=2.0, b=1.0)
    0.0
    >>> line_loss([0.0, 1.0], [1.0, 3.0], w=np.array([0.0, 2.0]), b=1.0)
    array([2., 0.])
    """
    x, y = _line_xy(x, y)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    m_x, m_y = x.mean(), y.mean()
    m_xx, m_xy, m_yy = (x * x).mean(), (x * y).mean(), (y * y).mean()
    with np.errstate(over="ignore", invalid="ignore"):
        loss = w * w * m_xx + 2 * w * b * m_x + b * b - 2 * w * m_xy - 2 * b * m_y + m_yy
        loss = np.maximum(loss, 0.0)  # rounding can leave -1e-16 at an exact fit
    return float(loss) if loss.ndim == 0 else loss


def line_hessian(x: Any) -> np.ndarray:
    r"""The Hessian of the line fit's mean squared error: the curvature of the bowl.

    The loss is quadratic in ``(w, b)``, so its matrix of second derivatives is the same
    everywhere:

    $$H = 2 \begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix},$$

    with the bars means over the data, and the gradient is $H\,(\theta - \theta^*)$ with
    $\theta = (w, b)$ and $\theta^*$ the least-squares line. Its eigenvalues are the
    curvatures of the bowl along its axes, which set the learning rates gradient descent can
    use (:func:`contraction_factor`).

    Parameters
    ----------
    x
        The inputs, a 1-D array (the targets do not enter the curvature).

    Returns
    -------
    numpy.ndarray
        Shape ``(2, 2)``, rows and columns in the order ``(w, b)``; symmetric.

    Examples
    --------
    >>> line_hessian([0.0, 1.0, 2.0])
    array([[3.33333333, 2.        ],
           [2.        , 2.        ]])
    """
    x = _as_vector("x", x)
    return 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def contraction_factor(learning_rate: Any, eigenvalues: Any) -> np.ndarray | float:
    r"""How much one step of gradient descent shrinks the distance to a quadratic's minimum.

    On a quadratic with Hessian eigenvalues $\lambda_i > 0$, a step with learning rate
    $\eta$ multiplies the offset from the minimum along eigenvector $i$ by $1 - \eta
    \lambda_i$. The worst direction sets the pace:
    $\rho(\eta) = \max_i |1 - \eta \lambda_i|$, and after $t$ steps the distance is at
    most $\rho^t$ times the first one (the excess loss at most $\rho^{2t}$ times). Descent
    converges for $\rho < 1$, that is $0 < \eta < 2/\lambda_{\max}$; $\rho$ is smallest,
    $(\kappa - 1)/(\kappa + 1)$ with $\kappa = \lambda_{\max}/\lambda_{\min}$, at
    $\eta = 2/(\lambda_{\min} + \lambda_{\max})$.

    Parameters
    ----------
    learning_rate
        One learning rate or an array of them (>= 0).
    eigenvalues
        The Hessian's eigenvalues, a 1-D array of positive numbers (for example from
        ``numpy.linalg.eigvalsh(line_hessian(x))``).

    Returns
    -------
    float or numpy.ndarray
        $\rho$ for each learning rate; a float when ``learning_rate`` is a number.

    Examples
    --------
    >>> contraction_factor(0.5, [1.0, 3.0])  # factors 0.5 and -0.5
    0.5
    >>> contraction_factor(np.array([0.25, 1.0]), [1.0, 3.0]).tolist()
    [0.75, 2.0]
    """
    values = _as_vector("eigenvalues", eigenvalues)
    if np.any(values <= 0):
        raise ValueError(
            f"eigenvalues must all be > 0 (a bowl with a single minimum), got {values.tolist()}."
        )
    try:
        rates = np.asarray(learning_rate, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"learning_rate must be a number or an array of numbers, got {learning_rate!r}."
        ) from error
    if not np.all(np.isfinite(rates)) or np.any(rates < 0):
        raise ValueError(f"learning_rate must hold finite numbers >= 0, got {learning_rate!r}.")
    factor = np.abs(1.0 - rates[..., None] * values).max(axis=-1)
    return float(factor) if factor.ndim == 0 else factor


def fit_line(
    x: Any,
    y: Any,
    *,
    learning_rate: float,
    steps: int = 50,
    w0: float = 0.0,
    b0: float = 0.0,
    decay: float = 0.0,
) -> pd.DataFrame:
    """Fit ``y ≈ w·x + b`` by full-batch gradient descent on the mean squared error.

    Step ``t`` (from 0) moves ``(w, b)`` by ``-lr_t`` times the gradient, with
    ``lr_t = learning_rate / (1 + decay·t)``; ``decay=0`` keeps the learning rate constant.

    If the loss becomes NaN or infinite (a learning rate far too large), the descent stops
    there instead of raising: the frame ends with that first non-finite row and its
    ``diverged`` column is True on every row.

    Parameters
    ----------
    x, y
        The data, two 1-D arrays of the same length (for example the columns of
        :func:`make_line_data`).
    learning_rate
        The learning rate η (> 0).
    steps
        Number of updates (>= 1).
    w0, b0
        Starting slope and intercept.
    decay
        Inverse-time decay rate (>= 0).

    Returns
    -------
    pandas.DataFrame
        The trajectory, one row per point visited, ``steps + 1`` rows unless it diverged.
        Columns (:data:`LINE_COLUMNS`):

        ``step``
            0 for the starting point, then the number of updates taken.
        ``w``, ``b``
            Slope and intercept at that point.
        ``loss``
            Mean squared error there.
        ``grad_w``, ``grad_b``
            The gradient there.
        ``learning_rate``
            The learning rate of the update that leaves this point; NaN on the last row
            (no update leaves it).
        ``diverged``
            Whether the loss became non-finite (the same on every row).

    Examples
    --------
    >>> data = make_line_data(seed=0)
    >>> path = fit_line(data["x"], data["y"], learning_rate=0.1, steps=20)
    >>> len(path), list(path.columns[:4])
    (21, ['step', 'w', 'b', 'loss'])
    >>> bool(path["loss"].iloc[-1] < path["loss"].iloc[0])
    True
    """
    x, y = _line_xy(x, y)
    learning_rate = check_positive_float("learning_rate", learning_rate)
    steps = check_int("steps", steps, minimum=1)
    w = _check_real("w0", w0)
    b = _check_real("b0", b0)
    decay = _check_real("decay", decay, minimum=0.0)

    rows = []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            residual = w * x + b - y
            loss = float(np.mean(residual**2))
            grad_w = float(2.0 * np.mean(residual * x))
            grad_b = float(2.0 * np.mean(residual))
            diverged = not math.isfinite(loss)
            last = t == steps or diverged
            lr = math.nan if last else learning_rate / (1.0 + decay * t)
            rows.append((t, w, b, loss, grad_w, grad_b, lr))
            if last:
                break
            w, b = w - lr * grad_w, b - lr * grad_b
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS[:-1]))
    frame["diverged"] = diverged
    return frame


def line_loss_surface(
    x: Any,
    y: Any,
    *,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    resolution: int = 101,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean squared error on a grid of slopes and intercepts, ready for ``contour``.

    Parameters
    ----------
    x, y
        The data, two 1-D arrays of the same length.
    w_range, b_range
        ``(low, high)`` of the slopes and of the intercepts.
    resolution
        Grid points along each axis (>= 2).

    Returns
    -------
    tuple of numpy.ndarray
        ``(W, B, L)``, each of shape ``(resolution, resolution)``: ``W`` and ``B`` from
        ``numpy.meshgrid`` (``W`` varies along the columns, ``B`` along the rows) and ``L``
        the loss at each point.

    Examples
    --------
    >>> data = make_line_data()
    >>> W, B, L = line_loss_surface(
    ...     data["x"], data["y"], w_range=(0, 4), b_range=(-3, 1), resolution=5
    ... )
    >>> W.shape, float(W[0, -1]), float(B[-1, 0])
    ((5, 5), 4.0, 1.0)
    """
    x, y = _line_xy(x, y)
    w_low, w_high = _check_range("w_range", w_range)
    b_low, b_high = _check_range("b_range", b_range)
    resolution = check_int("resolution", resolution, minimum=2)
    W, B = np.meshgrid(
        np.linspace(w_low, w_high, resolution), np.linspace(b_low, b_high, resolution)
    )
    return W, B, line_loss(x, y, W, B)


def _default_ranges(
    trajectories: pd.DataFrame | None, minimum: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Ranges covering the minimum and the readable part of every trajectory."""
    ws, bs = [minimum[0]], [minimum[1]]
    if trajectories is not None and len(trajectories):
        finite = trajectories[np.isfinite(trajectories[["w", "b", "loss"]]).all(axis=1)]
        starts = finite[finite["step"] == finite["step"].min()] if "step" in finite else finite
        cap = _VIEW_LOSS_FACTOR * float(starts["loss"].max()) if len(starts) else math.inf
        shown = finite[finite["loss"] <= cap]
        ws += shown["w"].tolist()
        bs += shown["b"].tolist()

    def pad(values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        span = max(high - low, 1.0)
        return low - 0.12 * span, high + 0.12 * span

    return pad(ws), pad(bs)


def _visible_part(
    path: pd.DataFrame, w_range: tuple[float, float], b_range: tuple[float, float]
) -> pd.DataFrame:
    """The finite rows of ``path``, cut after it has left the view for good.

    A diverging path is kept up to its first point more than one view width beyond the edges
    after its last point inside the view: enough to show where it leaves, without drawing the
    long segments between far-away points that would cross the view.
    """
    path = path[np.isfinite(path[["w", "b"]]).all(axis=1)]
    w, b = path["w"].to_numpy(), path["b"].to_numpy()
    (w_low, w_high), (b_low, b_high) = w_range, b_range
    w_span, b_span = w_high - w_low, b_high - b_low
    inside = (w >= w_low) & (w <= w_high) & (b >= b_low) & (b <= b_high)
    far = (
        (w < w_low - w_span) | (w > w_high + w_span) | (b < b_low - b_span) | (b > b_high + b_span)
    )
    last_inside = int(np.flatnonzero(inside)[-1]) if inside.any() else -1
    beyond = np.flatnonzero(far[last_inside + 1 :])
    return path if not beyond.size else path.iloc[: last_inside + 1 + int(beyond[0]) + 1]


def _contour_levels(low: float, high: float, *, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Contour levels at round values, and the ticks of the colour bar."""
    from matplotlib.ticker import MaxNLocator

    if not log:
        levels = MaxNLocator(15).tick_values(low, high)
        return levels, levels[::2]
    low = max(low, high * 1e-8, 1e-300)
    high = max(high, low * 1.0001)
    decades = math.log10(high) - math.log10(low)
    per_decade = 8 if decades < 1.5 else 4 if decades <= 5 else 2 if decades <= 10 else 1
    exponents = np.arange(
        math.floor(math.log10(low) * per_decade), math.ceil(math.log10(high) * per_decade) + 1
    )
    levels = 10.0 ** (exponents / per_decade)
    ticks = levels[exponents % per_decade == 0]
    if len(ticks) < 2:
        ticks = levels[:: max(1, per_decade // 4)]
    return levels, ticks


def plot_loss_surface(
    x: Any,
    y: Any,
    trajectories: pd.DataFrame | None = None,
    *,
    w_range: tuple[float, float] | None = None,
    b_range: tuple[float, float] | None = None,
    ax: matplotlib.axes.Axes | None = None,
    log_levels: bool = True,
    hue: str | None = "label",
    resolution: int = 201,
    colorbar: bool = True,
) -> matplotlib.axes.Axes:
    """Draw the loss surface of the line fit as contours, with descent paths on top.

    Parameters
    ----------
    x, y
        The data, two 1-D arrays of the same length.
    trajectories
        Frames from :func:`fit_line`, each with an extra column named by ``hue`` that labels
        it, concatenated (``pandas.concat``). Every distinct label is drawn as one line with a
        marker per step; a label whose path diverged gets "(diverged)" in the legend.
        ``None`` draws the surface alone.
    w_range, b_range
        ``(low, high)`` of the axes. By default they cover the minimum and every trajectory
        point whose loss is at most 10 times the largest starting loss; a diverging path
        runs off the edge of the plot beyond that, and is drawn only until its first point
        more than one plot width beyond the edge (non-finite points are never drawn).
    ax
        Axes to draw on; a new figure when ``None``.
    log_levels
        Space the contour levels evenly in the logarithm of the loss (shows the flat bottom of
        the bowl); otherwise linearly.
    hue
        Column of ``trajectories`` that tells the paths apart; ``None`` if ``trajectories``
        holds a single path.
    resolution
        Grid points along each axis of the surface.
    colorbar
        Add a colour bar for the loss.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x axis "slope w", y axis "intercept b", the least-squares minimum
        marked by a star and a legend.

    Examples
    --------
    >>> data = make_line_data()
    >>> paths = pd.concat(
    ...     fit_line(data["x"], data["y"], learning_rate=lr).assign(label=f"η = {lr}")
    ...     for lr in (0.02, 0.25)
    ... )
    >>> ax = plot_loss_surface(data["x"], data["y"], paths)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('slope w', 'intercept b')
    """
    import matplotlib.pyplot as plt

    x, y = _line_xy(x, y)
    _check_trajectories(trajectories, hue)
    minimum = least_squares(x, y)
    default_w, default_b = _default_ranges(trajectories, minimum)
    w_range = default_w if w_range is None else _check_range("w_range", w_range)
    b_range = default_b if b_range is None else _check_range("b_range", b_range)
    resolution = check_int("resolution", resolution, minimum=2)
    surface = line_loss_surface(x, y, w_range=w_range, b_range=b_range, resolution=resolution)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    _draw_contours(ax, *surface, log_levels=log_levels, colorbar=colorbar)
    if trajectories is not None and len(trajectories):
        _draw_paths(ax, trajectories, hue, w_range, b_range)
    ax.plot(
        *minimum,
        marker="*",
        markersize=17,
        color="white",
        markeredgecolor="black",
        markeredgewidth=1.2,
        linestyle="none",
        label=f"minimum (w = {minimum[0]:.2f}, b = {minimum[1]:.2f})",
        zorder=5,
    )
    ax.set_xlim(w_range)
    ax.set_ylim(b_range)
    ax.set_xlabel("slope w")
    ax.set_ylabel("intercept b")
    if not ax.get_title():
        ax.set_title("Gradient descent on the mean squared error of y ≈ w·x + b")
    ax.legend(loc="best", framealpha=0.9)
    return ax


def _check_trajectories(trajectories: Any, hue: str | None) -> None:
    """A DataFrame with ``w``, ``b``, ``loss`` (and ``hue``) columns, or None."""
    if trajectories is None:
        return
    needed = ["w", "b", "loss"] + ([hue] if hue is not None else [])
    if not isinstance(trajectories, pd.DataFrame):
        raise TypeError(
            "trajectories must be a DataFrame from fit_line (several concatenated, with a "
            f"{hue!r} column), got {type(trajectories).__name__}."
        )
    missing = [c for c in needed if c not in trajectories.columns]
    if missing:
        hint = (
            f" Add one with fit_line(...).assign({hue}='...') or pass hue=None for a single path."
            if hue in missing
            else ""
        )
        raise ValueError(
            f"trajectories lacks the column(s) {missing}; it has "
            f"{list(trajectories.columns)}.{hint}"
        )


def _draw_contours(ax, W, B, L, *, log_levels: bool, colorbar: bool) -> None:
    """Filled contours of the loss ``L`` over the grid ``W``, ``B`` (and its colour bar)."""
    from matplotlib.colors import LogNorm

    levels, ticks = _contour_levels(float(L.min()), float(L.max()), log=log_levels)
    shown = np.clip(L, levels[0], levels[-1])
    norm = LogNorm(vmin=levels[0], vmax=levels[-1]) if log_levels else None
    filled = ax.contourf(W, B, shown, levels=levels, norm=norm, cmap="cividis", alpha=0.6)
    ax.contour(W, B, shown, levels=levels, colors="white", linewidths=0.5, alpha=0.7)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, ticks=ticks, format="{x:.3g}")
        bar.set_label("mean squared error" + (" (log scale)" if log_levels else ""))
        bar.minorticks_off()


def _draw_paths(ax, trajectories: pd.DataFrame, hue: str | None, w_range, b_range) -> None:
    """One marked line per ``hue`` value: the part of each path inside the ranges."""
    import seaborn as sns

    labels = [None] if hue is None else list(pd.unique(trajectories[hue]))
    # the colour-blind palette, reordered so that the orange and the vermilion, which
    # look alike, are never the first four colours together
    colorblind = sns.color_palette("colorblind", 10)
    palette = [colorblind[i] for i in _PATH_COLORS]
    markers = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]
    for i, label in enumerate(labels):
        color = palette[i % len(palette)]
        path = trajectories if hue is None else trajectories[trajectories[hue] == label]
        path = _visible_part(path, w_range, b_range)
        name = "gradient descent" if label is None else str(label)
        if "diverged" in path and bool(path["diverged"].any()):
            name += " (diverged)"
        ax.plot(
            path["w"],
            path["b"],
            marker=markers[i % len(markers)],
            markersize=5,
            linewidth=1.5,
            color=color,
            markeredgecolor="white",
            markeredgewidth=0.6,
            label=name,
        )


# --------------------------------------------------------------------------------------------
# Logistic regression by hand


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, without overflow for large ``|z|``.

    Parameters
    ----------
    z
        Logits: a number or an array.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1], same shape as ``z`` (``float64``).

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bce_from_logits(z: Any, y: Any) -> np.ndarray:
    """Binary cross-entropy of each row, from the logits, in the numerically stable form.

    ``-y·log σ(z) - (1 - y)·log(1 - σ(z))`` rewritten as
    ``max(z, 0) - z·y + log(1 + exp(-|z|))``, which never takes the log of 0.

    Parameters
    ----------
    z
        Logits.
    y
        Targets in [0, 1], broadcastable against ``z``.

    Returns
    -------
    numpy.ndarray
        The loss of each row (``float64``).

    Examples
    --------
    >>> bce_from_logits(np.array([0.0, 1000.0]), np.array([1.0, 0.0])).round(4).tolist()
    [0.6931, 1000.0]
    """
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(under="ignore"):
        return np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))


@dataclass
class LogisticResult:
    """What :func:`logistic_regression_sgd` returns.

    Attributes
    ----------
    weights : numpy.ndarray
        Final weights, shape ``(d,)``.
    bias : float
        Final bias.
    history : pandas.DataFrame
        One row per update: ``step`` (1-based count of updates), ``epoch`` (1-based),
        ``batch`` (1-based within the epoch), ``batch_size`` (rows in that batch; the last
        batch of an epoch may be smaller), ``loss`` (mean binary cross-entropy of the batch
        *before* the update) and ``learning_rate`` (used for the update).
    """

    weights: np.ndarray
    bias: float
    history: pd.DataFrame

    def epoch_loss(self) -> pd.Series:
        """Training loss of each epoch as Keras reports it.

        The mean of the batch losses weighted by batch size, each measured before its update.

        Returns
        -------
        pandas.Series
            Indexed by ``epoch``.

        Examples
        --------
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
        >>> result = logistic_regression_sgd(
        ...     X, [0, 0, 1, 1], weights=[0.0], bias=0.0, learning_rate=0.5, batch_size=4,
        ...     epochs=2, order=None,
        ... )
        >>> result.epoch_loss().round(4).tolist()
        [0.6931, 0.595]
        """
        h = self.history
        weighted = (h["loss"] * h["batch_size"]).groupby(h["epoch"]).sum()
        return (weighted / h.groupby("epoch")["batch_size"].sum()).rename("loss")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of class 1 (forged) for each row of ``X``.

        Examples
        --------
        >>> LogisticResult(np.array([1.0]), 0.0, pd.DataFrame()).predict_proba([[0.0]])
        array([0.5])
        """
        X = np.asarray(X, dtype=np.float64)
        return sigmoid(X @ self.weights + self.bias)


def _logistic_inputs(
    X: Any, y: Any, weights: Any, bias: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    try:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        b = np.asarray(bias, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"X, y, weights and bias must be arrays of numbers ({error}).") from error
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (rows, features) with rows, got shape {X.shape}.")
    n, d = X.shape
    if y.shape not in {(n,), (n, 1)}:
        raise ValueError(f"y must have one target per row of X, shape ({n},), got {y.shape}.")
    y = y.reshape(n)
    if w.shape not in {(d,), (d, 1)}:
        raise ValueError(
            f"weights must have one weight per feature, shape ({d},) or ({d}, 1) as Keras "
            f"lists the kernel, got {w.shape}."
        )
    if b.size != 1:
        raise ValueError(f"bias must be a number or an array of one number, got shape {b.shape}.")
    for name, array in (("X", X), ("y", y), ("weights", w), ("bias", b)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must hold finite numbers only; it holds NaN or inf.")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must hold targets in [0, 1] (0 genuine, 1 forged).")
    return X, y, w.reshape(d).copy(), float(b.reshape(()))


def _check_order(order: Any, *, epochs: int, n: int) -> np.ndarray:
    if order is None:
        return np.tile(np.arange(n), (epochs, 1))
    if isinstance(order, numbers.Integral) and not isinstance(order, bool):
        return batch_order(check_int("order", order, minimum=0), n_samples=n, epochs=epochs)
    array = np.asarray(order)
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            "order must be None, a seed (int) or an integer array of row indices such as "
            f"banknote_gd.batch_order returns, got dtype {array.dtype}."
        )
    if array.shape != (epochs, n):
        raise ValueError(
            f"order must have shape (epochs, rows) = ({epochs}, {n}), one row order per "
            f"epoch, got {array.shape}."
        )
    if array.min() < 0 or array.max() >= n:
        raise ValueError(f"order must hold row indices between 0 and {n - 1}.")
    return array


def logistic_regression_sgd(
    X: Any,
    y: Any,
    *,
    weights: Any,
    bias: Any,
    learning_rate: float,
    batch_size: int,
    epochs: int,
    order: Any,
    decay: float = 0.0,
) -> LogisticResult:
    """Train logistic regression with mini-batch stochastic gradient descent, by hand.

    Epoch ``e`` visits the rows ``order[e]`` in chunks of ``batch_size`` (the last chunk of
    an epoch is smaller when ``batch_size`` does not divide the number of rows). For each
    chunk it computes the logits ``z = X_batch @ weights + bias``, the mean binary
    cross-entropy (recorded in the history) and its gradient, then updates

    ``weights -= lr_t * X_batchᵀ (σ(z) - y_batch) / m`` and
    ``bias -= lr_t * mean(σ(z) - y_batch)``

    with ``lr_t = learning_rate / (1 + decay·t)`` at update ``t`` (from 0). This is what
    Keras's ``SGD`` does to ``Dense(1, activation="sigmoid")`` with the binary cross-entropy,
    ``shuffle=False`` and the same row order. The arithmetic is in ``float64``.

    Parameters
    ----------
    X
        Features, shape ``(n, d)`` (for example ``split.X_train``).
    y
        Targets 0 or 1, shape ``(n,)``.
    weights
        Initial weights, shape ``(d,)`` or Keras's kernel shape ``(d, 1)``.
    bias
        Initial bias: a number or an array of one number.
    learning_rate
        The learning rate η (> 0).
    batch_size
        Rows per update, between 1 and ``n``.
    epochs
        Passes over the data (>= 1).
    order
        The row order of each epoch: an integer array of shape ``(epochs, n)`` as
        :func:`banknote_gd.batch_order` returns; an int, used as the seed of
        ``batch_order``; or ``None`` to visit the rows in their given order every epoch.
    decay
        Inverse-time decay rate of the learning rate (>= 0).

    Returns
    -------
    LogisticResult
        Final ``weights`` (``(d,)``) and ``bias`` and the ``history`` of batch losses.

    Examples
    --------
    >>> from banknote_gd import split_data
    >>> from banknote_gd import initial_weights
    >>> split = split_data()
    >>> kernel, bias = initial_weights(0)
    >>> result = logistic_regression_sgd(
    ...     split.X_train, split.y_train, weights=kernel, bias=bias, learning_rate=0.1,
    ...     batch_size=32, epochs=3, order=0,
    ... )
    >>> len(result.history)  # 960 rows / 32 = 30 updates per epoch
    90
    >>> bool(result.epoch_loss().is_monotonic_decreasing)
    True
    """
    X, y, w, b = _logistic_inputs(X, y, weights, bias)
    n = X.shape[0]
    learning_rate = check_positive_float("learning_rate", learning_rate)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n)
    epochs = check_int("epochs", epochs, minimum=1)
    decay = _check_real("decay", decay, minimum=0.0)
    order = _check_order(order, epochs=epochs, n=n)

    rows = []
    t = 0
    for epoch in range(epochs):
        for batch, start in enumerate(range(0, n, batch_size)):
            batch_rows = order[epoch, start : start + batch_size]
            Xb, yb = X[batch_rows], y[batch_rows]
            z = Xb @ w + b
            loss = float(np.mean(bce_from_logits(z, yb)))
            error = sigmoid(z) - yb  # dL/dz for each row, times the batch size
            grad_w = Xb.T @ error / len(batch_rows)
            grad_b = float(np.mean(error))
            lr = learning_rate / (1.0 + decay * t)
            w = w - lr * grad_w
            b = b - lr * grad_b
            t += 1
            rows.append((t, epoch + 1, batch + 1, len(batch_rows), loss, lr))
    history = pd.DataFrame(
        rows, columns=["step", "epoch", "batch", "batch_size", "loss", "learning_rate"]
    )
    return LogisticResult(weights=w, bias=float(b), history=history)
