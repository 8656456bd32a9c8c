# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gradient descent by hand
#
# **The update rule behind every optimizer, written out in NumPy: fit a line, watch the
# learning rate decide between crawling, converging and exploding, then reproduce Keras's
# SGD on the banknotes up to rounding error.**
#
# **What you will learn**
#
# - how gradient descent moves the parameters against the gradient of the loss, with the
#   learning rate as the step size;
# - how to compute, from the data, the largest learning rate that does not diverge, and
#   what happens below and above it;
# - why the fastest constant learning rate overshoots on every step, and how the contraction
#   factor predicts the speed of every rate;
# - how a decaying learning rate shrinks the steps near the minimum;
# - that Keras's SGD is exactly this update rule: a few lines of NumPy give the same
#   weights;
# - how far that SGD run is from the smallest loss the banknote model can reach, and how the
#   curvature of its loss changes on the way.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd
from banknote_gd import by_hand

bgd.set_style()

N_POINTS, TRUE_SLOPE, TRUE_INTERCEPT, NOISE = 50, 2.0, -1.0, 0.5  # the toy data
STEPS = 50  # updates of the line fit
W0, B0 = 0.0, 0.0  # where every line fit starts
SEED = 0  # initial weights and batch order of the banknote model
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 0.01  # Keras's default for SGD, as in lesson 3

# %% [markdown]
# ## A problem small enough to draw
#
# The banknote model has five parameters, too many to draw. So we start with two: fit a
# line $\hat y = w x + b$ to noisy points drawn around a true line.

# %%
line_data = by_hand.make_line_data(
    n=N_POINTS, slope=TRUE_SLOPE, intercept=TRUE_INTERCEPT, noise=NOISE, seed=SEED
)
x, y = line_data["x"].to_numpy(), line_data["y"].to_numpy()
best_w, best_b = by_hand.least_squares(x, y)
best_loss = by_hand.line_loss(x, y, best_w, best_b)

figure, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.scatter(x, y, s=18, color="tab:blue", label="data")
grid_x = np.linspace(x.min(), x.max(), 2)
ax.plot(
    grid_x,
    TRUE_SLOPE * grid_x + TRUE_INTERCEPT,
    color="grey",
    linestyle="--",
    label=f"true line y = {TRUE_SLOPE:g}x {'−' if TRUE_INTERCEPT < 0 else '+'} "
    f"{abs(TRUE_INTERCEPT):g}",
)
ax.plot(grid_x, best_w * grid_x + best_b, color="tab:orange", label="best fit (least squares)")
ax.set(xlabel="x", ylabel="y", title=f"Toy data for fitting a line: {N_POINTS} points")
ax.legend()
ax.grid(alpha=0.3)

# %% [markdown]
# ## The loss and its gradient
#
# How wrong a line is we measure with the mean squared error over the $n$ points,
#
# $$L(w, b) = \frac{1}{n} \sum_{i=1}^{n} (w x_i + b - y_i)^2 .$$
#
# Its partial derivatives say how the loss changes when $w$ or $b$ moves a little:
#
# $$\frac{\partial L}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i)\, x_i,
# \qquad
# \frac{\partial L}{\partial b} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i).$$
#
# Together they form the gradient $\nabla L$, which points uphill. Gradient descent takes a
# step downhill, of a size set by the **learning rate** $\eta$:
#
# $$w \leftarrow w - \eta \, \frac{\partial L}{\partial w}, \qquad
# b \leftarrow b - \eta \, \frac{\partial L}{\partial b}.$$
#
# Before trusting the formulas, we check them at the starting point against the slope of the
# loss measured numerically (a centred finite difference).

# %%
residuals = W0 * x + B0 - y
gradient = np.array([2 * np.mean(residuals * x), 2 * np.mean(residuals)])
h = 1e-6
numerical = np.array(
    [
        (by_hand.line_loss(x, y, W0 + h, B0) - by_hand.line_loss(x, y, W0 - h, B0)) / (2 * h),
        (by_hand.line_loss(x, y, W0, B0 + h) - by_hand.line_loss(x, y, W0, B0 - h)) / (2 * h),
    ]
)
assert np.allclose(gradient, numerical, atol=1e-5), "the formulas are the derivatives"
pd.DataFrame({"formula": gradient, "finite difference": numerical}, index=["∂L/∂w", "∂L/∂b"]).round(
    5
)

# %% [markdown]
# `by_hand.fit_line` repeats the update `steps` times and returns the path it took: the
# parameters, the loss and the gradient at every step. Its first row is the starting point,
# where the gradient is the one we just computed.

# %%
path = by_hand.fit_line(x, y, learning_rate=0.1, steps=STEPS, w0=W0, b0=B0)
assert np.allclose(path.loc[0, ["grad_w", "grad_b"]], gradient)
path.head().round(4)

# %% [markdown]
# ## How large may a step be?
#
# The mean squared error of a line is a quadratic function of $(w, b)$: a bowl. Its curvature
# is the matrix of second derivatives, the Hessian, which here does not depend on $(w, b)$:
#
# $$H = \begin{pmatrix}
# \partial^2 L / \partial w^2 & \partial^2 L / \partial w \, \partial b \\
# \partial^2 L / \partial b \, \partial w & \partial^2 L / \partial b^2
# \end{pmatrix}
# = 2 \begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix},$$
#
# where the bars are means over the data (`by_hand.line_hessian` computes it). For a
# quadratic, the gradient is $\nabla L(\theta) = H(\theta - \theta^*)$ with
# $\theta = (w, b)$ and $\theta^*$ the minimum, so one step of gradient descent gives
#
# $$\theta_{t+1} - \theta^* = (I - \eta H)(\theta_t - \theta^*).$$
#
# Along an eigenvector of $H$ with eigenvalue $\lambda$ (a curvature), each step multiplies
# the distance to the minimum by $1 - \eta \lambda$, and the loss above its minimum by
# $(1 - \eta\lambda)^2$. With $\lambda_{\max}$ the largest eigenvalue (the steepest
# direction of the bowl), this gives three regimes:
#
# - $\eta < 1/\lambda_{\max}$: every factor lies between 0 and 1; the path walks down
#   without ever crossing to the other side of the valley.
# - $1/\lambda_{\max} < \eta < 2/\lambda_{\max}$: along the steep direction the factor is
#   negative; each step *overshoots* to the other side of the valley, but lands closer, so
#   the path zig-zags towards the minimum.
# - $\eta > 2/\lambda_{\max}$: along the steep direction $|1 - \eta\lambda_{\max}| > 1$;
#   each step lands further away than the last: gradient descent **diverges**.
#
# So $\eta_{\max} = 2/\lambda_{\max}$ is the largest stable learning rate. Below it every
# factor $(1 - \eta\lambda)^2$ is smaller than 1, so the loss falls at every step, whether
# the step overshoots or not: overshooting is not the same as making things worse.
#
# ## The fastest constant rate
#
# How fast does the path converge? The direction that shrinks least sets the pace: after
# $t$ steps the distance to the minimum is at most $\rho(\eta)^t$ times the first one, with
# the *contraction factor*
#
# $$\rho(\eta) = \max_i |1 - \eta\lambda_i|
# = \max\bigl(|1 - \eta\lambda_{\min}|,\ |1 - \eta\lambda_{\max}|\bigr).$$
#
# A small rate leaves the flat direction's factor $1 - \eta\lambda_{\min}$ close to 1; a rate
# near $2/\lambda_{\max}$ leaves the steep direction's $|1 - \eta\lambda_{\max}|$ close to 1.
# The two balance at
#
# $$\eta^* = \frac{2}{\lambda_{\min} + \lambda_{\max}}, \qquad
# \rho(\eta^*) = \frac{\kappa - 1}{\kappa + 1}, \quad
# \kappa = \frac{\lambda_{\max}}{\lambda_{\min}},$$
#
# the fastest constant learning rate. It lies above $1/\lambda_{\max}$: the fastest rate
# overshoots in the steep direction on every step. `by_hand.contraction_factor` computes
# $\rho$ from the eigenvalues; we compute the Hessian from the data and check it against the
# loss, by finite differences of the gradient formula above.

# %%
hessian = by_hand.line_hessian(x)
eigenvalues, eigenvectors = np.linalg.eigh(hessian)  # ascending order
lambda_min, lambda_max = eigenvalues
steep_direction = eigenvectors[:, 1]
largest_stable_rate = 2 / lambda_max
fastest_rate = 2 / (lambda_min + lambda_max)


def line_gradient(w, b):
    """The gradient formula of the section above, at (w, b)."""
    residuals = w * x + b - y
    return np.array([2 * np.mean(residuals * x), 2 * np.mean(residuals)])


numerical_hessian = np.column_stack(
    [
        (line_gradient(W0 + h, B0) - line_gradient(W0 - h, B0)) / (2 * h),
        (line_gradient(W0, B0 + h) - line_gradient(W0, B0 - h)) / (2 * h),
    ]
)
assert np.allclose(hessian, numerical_hessian, atol=1e-6), "H is the loss's curvature"
pd.DataFrame(
    {"eigenvalue λ": eigenvalues, "largest stable rate 2/λ": 2 / eigenvalues},
    index=["flattest direction", "steepest direction"],
).round(3)

# %% tags=["hide-input"]
condition_number = lambda_max / lambda_min
assert np.isclose(
    by_hand.contraction_factor(fastest_rate, eigenvalues),
    (condition_number - 1) / (condition_number + 1),
), "the contraction factor at the fastest rate is (κ - 1)/(κ + 1)"
Markdown(
    f"The curvature of the bowl is **{lambda_max:.2f}** along its steepest direction and "
    f"**{lambda_min:.2f}** along its flattest, a ratio (the *condition number* $\\kappa$) of "
    f"**{condition_number:.1f}**. The largest stable learning rate is "
    f"$2/\\lambda_{{\\max}}$ = **{largest_stable_rate:.3f}**, steps stop overshooting below "
    f"$1/\\lambda_{{\\max}}$ = **{1 / lambda_max:.3f}**, and the fastest constant rate is "
    f"$2/(\\lambda_{{\\min}} + \\lambda_{{\\max}})$ = **{fastest_rate:.3f}**, where each step "
    f"multiplies the distance to the minimum by at most "
    f"**{by_hand.contraction_factor(fastest_rate, eigenvalues):.3f}**. At "
    f"$1/\\lambda_{{\\max}}$ that factor is "
    f"$1 - 1/\\kappa$ = **{by_hand.contraction_factor(1 / lambda_max, eigenvalues):.3f}**: "
    f"never overshooting costs speed along the flat direction."
)

# %% [markdown]
# The figure draws the two factors and their maximum $\rho$ over the learning rate:

# %%
rate_grid = np.linspace(0, 1.1 * largest_stable_rate, 500)
colors = sns.color_palette("colorblind")
figure, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
ax.plot(
    rate_grid,
    np.abs(1 - rate_grid * lambda_min),
    color=colors[0],
    linestyle="--",
    label="flat direction: |1 − η λ_min|",
)
ax.plot(
    rate_grid,
    np.abs(1 - rate_grid * lambda_max),
    color=colors[1],
    linestyle=":",
    linewidth=2,
    label="steep direction: |1 − η λ_max|",
)
ax.plot(
    rate_grid,
    by_hand.contraction_factor(rate_grid, eigenvalues),
    color="black",
    linewidth=2.5,
    label="contraction factor ρ(η): the larger of the two",
)
ax.axhline(1, color="grey", linewidth=1)
for rate, name, color, style in (
    (1 / lambda_max, "1/λ_max: largest rate that never overshoots", colors[2], "-."),
    (fastest_rate, "2/(λ_min + λ_max): fastest rate", colors[3], "-"),
    (largest_stable_rate, "2/λ_max: limit of stability", colors[4], (0, (5, 2))),
):
    ax.axvline(rate, color=color, linestyle=style, linewidth=1.5, label=f"{name} = {rate:.3f}")
ax.set(
    xlim=(0, rate_grid[-1]),
    ylim=(0, 1.25),
    xlabel="learning rate η",
    ylabel="factor per step on the\ndistance to the minimum",
    title="The fastest rate balances the flat and the steep direction",
)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
ax.grid(alpha=0.3)

# %% [markdown]
# ## Five learning rates
#
# We run gradient descent from the same starting point with five learning rates: one far
# too small, $1/\lambda_{\max}$ (the largest that never overshoots), the fastest
# $2/(\lambda_{\min} + \lambda_{\max})$, one just below $\eta_{\max}$ and one just above it.

# %%
rates = {
    "too small": 0.05 * largest_stable_rate,
    "no overshoot": 1 / lambda_max,
    "fastest": fastest_rate,
    "near the limit": 0.95 * largest_stable_rate,
    "too large": 1.05 * largest_stable_rate,
}
paths = {
    name: by_hand.fit_line(x, y, learning_rate=rate, steps=STEPS, w0=W0, b0=B0)
    for name, rate in rates.items()
}
labels = {
    name: f"{name}: η = {rate:.3f} ({rate / largest_stable_rate:.2f} η_max)"
    for name, rate in rates.items()
}
trajectories = pd.concat(
    path.assign(label=labels[name], regime=name) for name, path in paths.items()
)

# %% [markdown]
# Before drawing, we check what each path did. *Overshooting* is measured along the steep
# direction: the position relative to the minimum, projected on that eigenvector, changes
# sign. The *measured factor* is how much the loss above its minimum shrank per step over
# the last ten steps; the theory predicts $\rho(\eta)^2$.


# %%
def overshoots(path):
    """Number of steps that jump across the valley (along the steep direction)."""
    offset = path[["w", "b"]].to_numpy() - [best_w, best_b]
    along = offset @ steep_direction
    tiny = 1e-9 * np.abs(along[0])
    return int(np.sum(along[1:] * along[:-1] < -(tiny**2)))


def excess_loss(path):
    """The loss above its minimum at every step of a path."""
    return path["loss"] - best_loss


summary = pd.DataFrame(
    {
        "learning rate": rates.values(),
        "predicted factor ρ²": [
            by_hand.contraction_factor(r, eigenvalues) ** 2 for r in rates.values()
        ],
        "measured factor": [
            (excess_loss(p).iloc[-1] / excess_loss(p).iloc[-11]) ** (1 / 10) for p in paths.values()
        ],
        "excess loss at start": [excess_loss(p).iloc[0] for p in paths.values()],
        f"excess loss after {STEPS} steps": [excess_loss(p).iloc[-1] for p in paths.values()],
        "overshoots": [overshoots(p) for p in paths.values()],
        "loss falls every step": [bool((np.diff(p["loss"]) < 0).all()) for p in paths.values()],
    },
    index=pd.Index(list(rates), name="learning rate"),
)
summary.map(lambda value: f"{value:.3g}" if isinstance(value, float) else value)

# %% tags=["hide-input"]
excess = summary[f"excess loss after {STEPS} steps"]
start = summary["excess loss at start"]
below_limit = [name for name, rate in rates.items() if rate < largest_stable_rate]
assert np.allclose(summary["measured factor"], summary["predicted factor ρ²"], rtol=0.01), (
    "each path shrinks its excess loss by ρ² per step, as the theory says"
)
assert summary.loc[below_limit, "loss falls every step"].all(), "below 2/λ_max the loss falls"
assert summary.loc[["too small", "no overshoot"], "overshoots"].eq(0).all(), "below 1/λ_max"
assert summary.loc[["fastest", "near the limit"], "overshoots"].eq(STEPS).all(), "every step"
assert excess.loc[below_limit].idxmin() == "fastest", "the fastest rate ends closest"
assert start["too small"] / excess["too small"] > 10, "the small rate does move"
assert excess["too small"] > 1000 * excess["no overshoot"], "but it is far behind"
assert excess["too large"] > 100 * start["too large"], "and this one explodes"
assert paths["too large"]["loss"].iloc[5:].is_monotonic_increasing
Markdown(
    f"The measured factors match $\\rho(\\eta)^2$ to within "
    f"{(summary['measured factor'] / summary['predicted factor ρ²'] - 1).abs().max():.1e} "
    f"(relative): the two-line theory predicts the runs. After {STEPS} steps the fastest "
    f"rate is within **{excess['fastest']:.1e}** of the minimal loss, although it overshoots "
    f"on every one of its {summary.loc['fastest', 'overshoots']} steps. $1/\\lambda_{{\\max}}$, "
    f"which never overshoots, is within **{excess['no overshoot']:.1e}**. The rate near the "
    f"limit is within **{excess['near the limit']:.1e}**: its steep direction shrinks by only "
    f"$|1 - \\eta\\lambda_{{\\max}}|$ = "
    f"{abs(1 - rates['near the limit'] * lambda_max):.2f} per step, because each jump lands "
    f"almost as far on the other side of the valley as it started. The small rate has cut its "
    f"excess loss **{start['too small'] / excess['too small']:.0f}-fold**, from "
    f"{start['too small']:.2f} to **{excess['too small']:.2f}**: it moves, but its flat "
    f"direction shrinks by only {1 - rates['too small'] * lambda_min:.3f} per step. Every rate "
    f"below $\\eta_{{\\max}}$ lowers the loss at every step. Just above $\\eta_{{\\max}}$, the "
    f"loss has grown from **{paths['too large']['loss'].iloc[0]:.1f}** to "
    f"**{paths['too large']['loss'].iloc[-1]:.3g}**."
)

# %% [markdown]
# `by_hand.plot_loss_surface` draws the bowl as contour lines (the colours are the loss, on
# a log scale) with the paths on top; each marker is one step. First the four rates below
# $\eta_{\max}$:

# %%
converging = trajectories[trajectories["regime"] != "too large"]
ax = by_hand.plot_loss_surface(x, y, converging)
_ = ax.set_title(f"Four learning rates below η_max = {largest_stable_rate:.3f}")

# %% [markdown]
# The bowl is a long, narrow valley. The small rate (blue) creeps along a smooth curve and is
# still far from the minimum when it runs out of steps. $1/\lambda_{\max}$ (orange) reaches
# the floor of the valley in its first step, then walks along the floor to the star. The
# fastest rate (green) crosses the floor at every step, by less each time, and moves faster
# along it. The rate just below $\eta_{\max}$ (purple) jumps from one wall of the valley to the
# other, landing only a little lower each time.
#
# Just above $\eta_{\max}$ each jump lands higher than the last. Here are its first steps:

# %%
SHOWN_STEPS = 12
diverging = trajectories[trajectories["regime"] == "too large"]
ax = by_hand.plot_loss_surface(x, y, diverging[diverging["step"] <= SHOWN_STEPS])
_ = ax.set_title(f"Just above η_max: the first {SHOWN_STEPS} steps")

# %% [markdown]
# The same story as loss curves: the distance of the loss from its minimum, on a log scale,
# after each step.

# %%
curves = trajectories.assign(excess_loss=trajectories["loss"] - best_loss)
figure, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
sns.lineplot(
    data=curves,
    x="step",
    y="excess_loss",
    hue="label",
    style="label",
    markers=True,
    dashes=False,
    markersize=4,
    palette=[colors[i] for i in (0, 1, 2, 4, 3)],  # the colours of the surface plot
    ax=ax,
)
ax.set_yscale("log")
ax.set(
    xlabel="step (updates)",
    ylabel="loss − minimal loss (log scale)",
    title="Loss above its minimum during gradient descent",
)
ax.legend(title="learning rate", loc="center left", bbox_to_anchor=(1.01, 0.5))
ax.grid(alpha=0.3)

# %% [markdown]
# On a log scale a steady convergence is a straight line going down, with the slope
# $\log \rho(\eta)^2$: the loss above its minimum shrinks by the same factor at every step.
# The fastest rate has the steepest line; $1/\lambda_{\max}$ comes next, then the rate near
# the limit. The small rate first falls quickly, while its steep direction settles, then
# slowly, at the pace of its flat direction. Above $\eta_{\max}$ the line goes *up* at a
# steady rate.

# %% [markdown]
# ## Decaying the learning rate
#
# Near $\eta_{\max}$ the steep direction shrinks slowly, while the flat direction moves
# fast. A decaying learning rate starts there and passes through the faster rates below it.
# `fit_line` (and `logistic_regression_sgd`) accept a `decay`: step $t$ (counting from 0)
# uses
#
# $$\eta_t = \frac{\eta_0}{1 + \text{decay} \cdot t}.$$
#
# We start the rate near the limit again with two decays, a moderate one and a fast one.

# %%
start_rate = rates["near the limit"]
decays = {"constant": 0.0, "moderate decay": 0.05, "fast decay": 0.5}
decay_paths = {
    name: by_hand.fit_line(x, y, learning_rate=start_rate, steps=STEPS, w0=W0, b0=B0, decay=decay)
    for name, decay in decays.items()
}
decay_labels = {name: f"{name} (decay = {decay:g})" for name, decay in decays.items()}
decay_trajectories = pd.concat(
    path.assign(label=decay_labels[name]) for name, path in decay_paths.items()
)
ax = by_hand.plot_loss_surface(x, y, decay_trajectories)
_ = ax.set_title(
    f"Decaying the learning rate from η = {start_rate:.3f} "
    f"({start_rate / largest_stable_rate:.2f} η_max)"
)

# %%
decay_summary = pd.DataFrame(
    {
        "decay": list(decays.values()),
        "first learning rate": [p["learning_rate"].iloc[0] for p in decay_paths.values()],
        "last learning rate": [p["learning_rate"].iloc[-2] for p in decay_paths.values()],
        "overshoots": [overshoots(p) for p in decay_paths.values()],
        "excess loss at the end": [excess_loss(p).iloc[-1] for p in decay_paths.values()],
    },
    index=pd.Index(list(decays), name="learning rate"),
)
decay_summary.map(lambda value: f"{value:.3g}" if isinstance(value, float) else value)

# %% tags=["hide-input"]
decay_excess = decay_summary["excess loss at the end"]
decay_overshoots = decay_summary["overshoots"]
assert decay_overshoots["moderate decay"] < decay_overshoots["constant"], "fewer jumps"
assert decay_excess["moderate decay"] < decay_excess["constant"] / 100, "and much closer"
assert decay_excess["fast decay"] > decay_excess["constant"], "a fast decay stalls"
assert excess["fastest"] < decay_excess["moderate decay"], "the fastest constant rate wins"
moderate_rates = decay_paths["moderate decay"]["learning_rate"]
calm_from = int(decay_paths["moderate decay"]["step"][moderate_rates < 1 / lambda_max].iloc[0])
Markdown(
    "With the moderate decay the jumps across the valley shrink fast and die out after "
    f"**{decay_overshoots['moderate decay']}** steps instead of going on for all "
    f"**{decay_overshoots['constant']}** (the rate itself is below $1/\\lambda_{{\\max}}$ "
    f"from step **{calm_from}** on), and the loss ends "
    f"**{decay_excess['moderate decay']:.1e}** above its minimum instead of "
    f"**{decay_excess['constant']:.1e}**. Decay too fast, and "
    f"the rate shrinks to **{decay_summary.loc['fast decay', 'last learning rate']:.3f}** "
    "before the path has reached the minimum: it stalls part-way along the floor of the valley, "
    f"**{decay_excess['fast decay']:.1e}** above the minimum, worse than not decaying at all. "
    f"Neither beats the fastest constant rate, {fastest_rate:.3f}, which ends "
    f"**{excess['fastest']:.1e}** above the minimum."
)

# %% [markdown]
# With the full gradient, as here, a well-chosen constant rate does best: the steps shrink
# by themselves near the minimum because the gradient does. Decay matters more with
# *stochastic* gradients, which stay noisy at the minimum; lesson 7 compares schedules on the
# banknotes.

# %% [markdown]
# ## The same rule trains the banknote model
#
# Logistic regression from lesson 3 is trained by the same rule. For a mini-batch of $m$
# notes with logits $z_i = w^\top x_i + b$ and predictions $\hat p_i = \sigma(z_i)$, the
# gradient of the mean binary cross-entropy is remarkably simple,
#
# $$\frac{\partial L}{\partial w} = \frac{1}{m} \sum_{i=1}^{m} (\hat p_i - y_i)\, x_i,
# \qquad
# \frac{\partial L}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} (\hat p_i - y_i):$$
#
# each note pulls the weights in proportion to its error $\hat p_i - y_i$.
# `by_hand.logistic_regression_sgd` walks through the shuffled training rows in batches
# of `BATCH_SIZE` and applies $w \leftarrow w - \eta\, \partial L / \partial w$ after
# each, in NumPy.
#
# To compare it with Keras, we give it what `bgd.train` uses for a seed: the initial weights
# from `bgd.initial_weights(seed)` and the order of the rows in each epoch from
# `bgd.batch_order(seed, ...)`.
#
# Here is the very first update written out: the first batch of the first epoch, the
# predictions, the loss and the gradient, and the step.

# %%
split = bgd.split_data()
kernel, bias = bgd.initial_weights(SEED)
order = bgd.batch_order(SEED, n_samples=split.X_train.shape[0], epochs=EPOCHS)

rows = order[0, :BATCH_SIZE]
X_batch, y_batch = split.X_train[rows].astype(float), split.y_train[rows].astype(float)
w, b = kernel.ravel().astype(float), float(bias[0])
predicted = by_hand.sigmoid(X_batch @ w + b)
first_batch_loss = -np.mean(y_batch * np.log(predicted) + (1 - y_batch) * np.log(1 - predicted))
grad_w = X_batch.T @ (predicted - y_batch) / BATCH_SIZE
grad_b = np.mean(predicted - y_batch)
w_after, b_after = w - LEARNING_RATE * grad_w, b - LEARNING_RATE * grad_b
pd.DataFrame(
    {"before": [*w, b], "gradient": [*grad_w, grad_b], "after one step": [*w_after, b_after]},
    index=[f"weight of {name}" for name in split.feature_names] + ["bias"],
).round(5)

# %% [markdown]
# `logistic_regression_sgd` repeats this for every batch of every epoch, recording each
# batch's loss before its update. Then we train the Keras model of lesson 3 with the same
# seed.

# %%
result = by_hand.logistic_regression_sgd(
    split.X_train,
    split.y_train,
    weights=kernel,
    bias=bias,
    learning_rate=LEARNING_RATE,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    order=order,
)
history, model = bgd.train(
    optimizer="sgd",
    learning_rate=LEARNING_RATE,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    seed=SEED,
    return_model=True,
)
keras_kernel, keras_bias = model.get_weights()
weights = pd.DataFrame(
    {
        "initial": [*kernel.ravel(), *bias],
        "by hand (NumPy)": [*result.weights, result.bias],
        "Keras": [*keras_kernel.ravel(), *keras_bias],
    },
    index=[f"weight of {name}" for name in split.feature_names] + ["bias"],
)
weights["difference"] = weights["by hand (NumPy)"] - weights["Keras"]
weights.round(6).assign(difference=weights["difference"].map("{:.1e}".format))

# %%
batch_losses = result.history["loss"]
assert np.isclose(batch_losses.iloc[0], first_batch_loss), "the same first batch and loss"
second_rows = order[0, BATCH_SIZE : 2 * BATCH_SIZE]
second_logits = split.X_train[second_rows] @ w_after + b_after
second_batch_loss = np.mean(by_hand.bce_from_logits(second_logits, split.y_train[second_rows]))
assert np.isclose(batch_losses.iloc[1], second_batch_loss), "and the same first step"
largest_difference = weights["difference"].abs().max()
assert largest_difference < 1e-5, "NumPy and Keras agree"
assert (weights["initial"] - weights["Keras"]).abs().min() > 1000 * largest_difference, (
    "and the agreement is not because the weights barely moved"
)
keras_loss = history.query("metric == 'loss'").pivot_table(
    index="epoch", columns="split", values="value"
)
loss_difference = (result.epoch_loss() - keras_loss["train_running"]).abs().max()
assert loss_difference < 1e-5, "the per-epoch running losses agree as well"
final_logits = split.X_train @ result.weights + result.bias
final_loss = np.mean(by_hand.bce_from_logits(final_logits, split.y_train))
assert abs(final_loss - keras_loss.loc[EPOCHS, "train"]) < 1e-5, "and so does the final loss"

# %% tags=["hide-input"]
Markdown(
    f"After {EPOCHS} epochs ({len(result.history)} updates) the NumPy weights and Keras's "
    f"differ by at most **{largest_difference:.1e}**, while training moved them by at least "
    f"**{(weights['initial'] - weights['Keras']).abs().min():.3f}**. The difference is "
    "rounding: Keras computes in 32-bit floats, NumPy here in 64-bit. Even Keras's running "
    "training loss of each epoch, the mean of the batch losses measured before each update "
    f"(lesson 3), agrees to **{loss_difference:.1e}**, and the loss of the final weights on "
    f"all training rows, **{final_loss:.4f}**, to "
    f"**{abs(final_loss - keras_loss.loc[EPOCHS, 'train']):.1e}**."
)

# %% [markdown]
# There is nothing more to Keras's SGD than this update rule: the optimizer object, the
# compiled graph and the training loop of `model.fit` compute a gradient and take a step of
# size $\eta$ against it, batch after batch.
#
# ## How far from the minimum, and how curved?
#
# The banknote loss has a minimum too. `bgd.optimum` finds it with Newton's method, which
# uses the Hessian and converges in a few steps: the smallest training loss $L^*$ this model
# can reach. `bgd.hessian_eigenvalues` gives the curvatures of the loss at any weights; we
# look at them where SGD started, where it stopped after `EPOCHS` epochs, and at the minimum.

# %%
best = bgd.optimum(split)
places = {
    "initial weights": (kernel.ravel(), float(bias[0])),
    f"after {EPOCHS} epochs of SGD": (result.weights, result.bias),
    "minimum (bgd.optimum)": (best.weights, best.bias),
}


def loss_and_curvature(w, b):
    """Training loss and Hessian eigenvalues of the logistic regression at (w, b)."""
    values = bgd.hessian_eigenvalues(w, b, split.X_train, split.y_train)  # ascending
    return {
        "training loss": np.mean(by_hand.bce_from_logits(split.X_train @ w + b, split.y_train)),
        "λ_min": values[0],
        "λ_max": values[-1],
        "2/λ_max": 2 / values[-1],
        "condition number": values[-1] / values[0],
    }


curvature = pd.DataFrame(
    [loss_and_curvature(w, b) for w, b in places.values()],
    index=pd.Index(list(places), name="weights"),
)
curvature.map("{:.3g}".format)

# %% tags=["hide-input"]
sgd_loss = curvature["training loss"].iloc[1]
on_the_way = (
    f" (on the way it first rises, to {curvature['λ_max'].iloc[1]:.3f} after {EPOCHS} epochs)"
    if curvature["λ_max"].iloc[1] > curvature["λ_max"].iloc[0]
    else ""
)
assert best.loss < sgd_loss, "the minimum lies below where SGD stopped"
assert np.isclose(curvature["training loss"].iloc[-1], best.loss), "the same loss function"
assert curvature["λ_max"].iloc[-1] < curvature["λ_max"].iloc[0] / 5, "the bowl flattens"
assert (LEARNING_RATE < curvature["2/λ_max"] / 100).all(), "far below the limit at all three"
Markdown(
    f"The smallest training loss is $L^*$ = **{best.loss:.4f}** (Newton's method took "
    f"{best.iterations} steps; its weights score {best.test_accuracy:.1%} on the test rows). "
    f"After {EPOCHS} epochs at $\\eta$ = {LEARNING_RATE}, SGD is at **{sgd_loss:.3f}**, "
    f"**{sgd_loss - best.loss:.3f}** above it: the excess loss, the yardstick the later lessons "
    f"use. Unlike the line's bowl, this loss is not a quadratic: its steepest curvature falls "
    f"from **{curvature['λ_max'].iloc[0]:.3f}** at the initial weights to "
    f"**{curvature['λ_max'].iloc[-1]:.4f}** at the minimum, where the model is confident and "
    f"the sigmoid flat{on_the_way}, so $2/\\lambda_{{\\max}}$ grows from "
    f"**{curvature['2/λ_max'].iloc[0]:.1f}** to **{curvature['2/λ_max'].iloc[-1]:.0f}**. "
    f"The rate of {LEARNING_RATE} is **{curvature['2/λ_max'].iloc[0] / LEARNING_RATE:.0f}** "
    f"times below that limit at the start, where in the quadratic picture each step shrinks "
    f"the distance along even the "
    f"steepest direction by a factor of only $1 - \\eta\\lambda_{{\\max}}$ = "
    f"{1 - LEARNING_RATE * curvature['λ_max'].iloc[0]:.4f}, hence the slow progress of "
    f"[lesson 3](03_first_model.py). And near the minimum the condition number is "
    f"**{curvature['condition number'].iloc[-1]:.0f}**: no constant rate is fast in every "
    f"direction there."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    "- Gradient descent moves each parameter against its partial derivative, "
    "$w \\leftarrow w - \\eta\\, \\partial L / \\partial w$; the learning rate $\\eta$ is "
    "the step size.\n"
    "- On a quadratic bowl the curvature sets the scale: here the largest stable rate is "
    f"$2/\\lambda_{{\\max}}$ = **{largest_stable_rate:.3f}** and the fastest constant rate "
    f"$2/(\\lambda_{{\\min}} + \\lambda_{{\\max}})$ = **{fastest_rate:.3f}**, which "
    f"overshoots on every step yet ends **{excess['fastest']:.1e}** above the minimal loss "
    f"after {STEPS} steps; $1/\\lambda_{{\\max}}$ ends **{excess['no overshoot']:.1e}** "
    f"above it, {rates['near the limit']:.3f} **{excess['near the limit']:.1e}**, "
    f"{rates['too small']:.3f} **{excess['too small']:.2f}** (cut "
    f"{start['too small'] / excess['too small']:.0f}-fold), and {rates['too large']:.3f} "
    "diverges. Below $\\eta_{\\max}$ the loss falls at every step, overshooting or not.\n"
    "- Decaying a rate that starts near the limit helps (**"
    f"{decay_excess['moderate decay']:.1e}** instead of **{decay_excess['constant']:.1e}**), "
    f"decaying too fast stalls (**{decay_excess['fast decay']:.1e}**), and with the full "
    "gradient the fastest constant rate beats both.\n"
    f"- Logistic regression by hand in NumPy ends within **{largest_difference:.1e}** of "
    "Keras's weights: Keras's SGD is this update rule."
)

# %% [markdown]
# The banknote loss is not a perfect quadratic and its gradients are noisy, so there is no
# formula for its best learning rate. The next lesson measures it instead, over many seeds.
