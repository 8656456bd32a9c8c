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
# - how a decaying learning rate shrinks the steps near the minimum;
# - that Keras's SGD is exactly this update rule: a few lines of NumPy give the same
#   weights.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd
from banknote_gd import by_hand
from banknote_gd._random import batch_order, initial_weights

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
# where the bars are means over the data. For a quadratic, the gradient is
# $\nabla L(\theta) = H(\theta - \theta^*)$ with $\theta = (w, b)$ and $\theta^*$ the
# minimum, so one step of gradient descent gives
#
# $$\theta_{t+1} - \theta^* = (I - \eta H)(\theta_t - \theta^*).$$
#
# Along an eigenvector of $H$ with eigenvalue $\lambda$ (a curvature), each step multiplies
# the distance to the minimum by $1 - \eta \lambda$. With $\lambda_{\max}$ the largest
# eigenvalue (the steepest direction of the bowl), this gives three regimes:
#
# - $\eta < 1/\lambda_{\max}$: every factor lies between 0 and 1; the path walks straight
#   down without overshooting. The smaller $\eta$, the slower.
# - $1/\lambda_{\max} < \eta < 2/\lambda_{\max}$: along the steep direction the factor is
#   negative; each step *overshoots* to the other side of the valley, but lands closer, so
#   the path zig-zags towards the minimum.
# - $\eta > 2/\lambda_{\max}$: along the steep direction $|1 - \eta\lambda_{\max}| > 1$;
#   each step lands further away than the last: gradient descent **diverges**.
#
# So $\eta_{\max} = 2/\lambda_{\max}$ is the largest stable learning rate, and we can compute
# it from the data.

# %%
hessian = 2 * np.array([[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]])
eigenvalues, eigenvectors = np.linalg.eigh(hessian)  # ascending order
lambda_min, lambda_max = eigenvalues
steep_direction = eigenvectors[:, 1]
largest_stable_rate = 2 / lambda_max

# %% tags=["hide-input"]
Markdown(
    f"The curvature of the bowl is **{lambda_max:.2f}** along its steepest direction and "
    f"**{lambda_min:.2f}** along its flattest, a ratio (the *condition number*) of "
    f"**{lambda_max / lambda_min:.1f}**. The largest stable learning rate is "
    f"$2/\\lambda_{{\\max}}$ = **{largest_stable_rate:.3f}**, and steps stop overshooting "
    f"below $1/\\lambda_{{\\max}}$ = **{1 / lambda_max:.3f}**. The flat direction is what "
    "makes gradient descent slow: a rate small enough for the steep direction takes only "
    "small steps along the flat one. Even at $\\eta = 1/\\lambda_{\\max}$, the largest rate "
    "that never overshoots, each step only multiplies the distance along the flat direction by "
    f"$1 - \\lambda_{{\\min}}/\\lambda_{{\\max}}$ = **{1 - lambda_min / lambda_max:.2f}**."
)

# %% [markdown]
# ## Four learning rates
#
# We choose four learning rates as fractions of $\eta_{\max} = 2/\lambda_{\max}$: one far
# too small, one at $1/\lambda_{\max}$ (half of $\eta_{\max}$), one just below $\eta_{\max}$
# and one just above it, and run gradient descent from the same starting point for each.

# %%
fractions = {
    "too small": 0.05,
    "good": 0.5,
    "large: zig-zag": 0.95,
    "too large: diverges": 1.05,
}
paths = {
    name: by_hand.fit_line(
        x, y, learning_rate=fraction * largest_stable_rate, steps=STEPS, w0=W0, b0=B0
    )
    for name, fraction in fractions.items()
}
labels = {
    name: f"{name}: η = {fraction * largest_stable_rate:.3f} ({fraction:g} η_max)"
    for name, fraction in fractions.items()
}
trajectories = pd.concat(
    path.assign(label=labels[name], regime=name) for name, path in paths.items()
)

# %% [markdown]
# Before drawing, we check that each path does what the theory says. *Overshooting* is
# measured along the steep direction: the position relative to the minimum, projected on
# that eigenvector, changes sign.


# %%
def overshoots(path):
    """Number of steps that jump across the valley (along the steep direction)."""
    offset = path[["w", "b"]].to_numpy() - [best_w, best_b]
    along = offset @ steep_direction
    tiny = 1e-9 * np.abs(along[0])
    return int(np.sum(along[1:] * along[:-1] < -(tiny**2)))


summary = pd.DataFrame(
    {
        "learning rate": [fraction * largest_stable_rate for fraction in fractions.values()],
        "loss above minimum at start": [p["loss"].iloc[0] - best_loss for p in paths.values()],
        "loss above minimum at the end": [p["loss"].iloc[-1] - best_loss for p in paths.values()],
        "overshoots": [overshoots(p) for p in paths.values()],
    },
    index=pd.Index(list(fractions), name="regime"),
)
excess = summary["loss above minimum at the end"]
start = summary["loss above minimum at start"]
assert summary.loc["too small", "overshoots"] == 0, "a small rate never overshoots"
assert summary.loc["good", "overshoots"] == 0, "nor does 1/λ_max"
assert summary.loc["large: zig-zag", "overshoots"] == STEPS, "just below 2/λ_max: every step"
assert excess["good"] < 1e-4 * start["good"], "the good rate reaches the minimum"
assert excess["too small"] > 1000 * excess["good"], "the small rate is far behind"
assert excess["good"] < excess["large: zig-zag"] < start["large: zig-zag"], (
    "the zig-zag converges, but more slowly than the good rate"
)
assert excess["too large: diverges"] > 100 * start["too large: diverges"], "and this one explodes"
assert paths["too large: diverges"]["loss"].iloc[5:].is_monotonic_increasing
summary.style.format("{:.3g}")

# %% tags=["hide-input"]
Markdown(
    f"After {STEPS} steps the good rate is within **{excess['good']:.1e}** of the minimal "
    f"loss, the zig-zagging one within **{excess['large: zig-zag']:.1e}**, and the small "
    f"one still **{excess['too small']:.2f}** above it. Just above $\\eta_{{\\max}}$, the "
    f"loss has grown from **{paths['too large: diverges']['loss'].iloc[0]:.1f}** to "
    f"**{paths['too large: diverges']['loss'].iloc[-1]:.3g}**."
)

# %% [markdown]
# `by_hand.plot_loss_surface` draws the bowl as contour lines (the colours are the loss, on
# a log scale) with the paths on top; each marker is one step. First the three rates below
# $\eta_{\max}$:

# %%
converging = trajectories[trajectories["regime"] != "too large: diverges"]
ax = by_hand.plot_loss_surface(x, y, converging)
_ = ax.set_title(f"Three learning rates below η_max = {largest_stable_rate:.3f}")

# %% [markdown]
# The picture matches the theory. The bowl is a long, narrow valley. The small rate (blue)
# creeps along a smooth curve and is still far from the minimum when it runs out of steps.
# The good rate (orange) reaches the floor of the valley in its first step, then walks along
# the floor to the star. The rate just below $\eta_{\max}$ (green) jumps from one wall of
# the valley to the other at every step, landing a little lower each time.
#
# Just above $\eta_{\max}$ each jump lands higher than the last. Here are its first steps:

# %%
SHOWN_STEPS = 12
diverging = trajectories[trajectories["regime"] == "too large: diverges"]
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
    palette="colorblind",
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
# On a log scale a steady convergence is a straight line going down: the loss shrinks by the
# same factor at every step. The good rate has the steepest line; the zig-zag rate also goes
# down, but slower; the small rate barely moves; above $\eta_{\max}$ the line goes *up* at a
# steady rate.

# %% [markdown]
# ## Decaying the learning rate
#
# A rate just below $\eta_{\max}$ wastes its steps jumping across the valley. One remedy is
# to start with the large rate and shrink it as training goes on. `fit_line` (and
# `logistic_regression_sgd`) accept a `decay`: step $t$ (counting from 0) uses
#
# $$\eta_t = \frac{\eta_0}{1 + \text{decay} \cdot t}.$$
#
# We start the zig-zag rate again with two decays, a moderate one and a fast one.

# %%
start_rate = fractions["large: zig-zag"] * largest_stable_rate
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
    f"Decaying the learning rate from η = {start_rate:.3f} ({fractions['large: zig-zag']:g} η_max)"
)
# %%
decay_summary = pd.DataFrame(
    {
        "decay": list(decays.values()),
        "first learning rate": [p["learning_rate"].iloc[0] for p in decay_paths.values()],
        "last learning rate": [p["learning_rate"].iloc[-2] for p in decay_paths.values()],
        "overshoots": [overshoots(p) for p in decay_paths.values()],
        "loss above minimum at the end": [
            p["loss"].iloc[-1] - best_loss for p in decay_paths.values()
        ],
    },
    index=pd.Index(list(decays), name="learning rate"),
)
decay_excess = decay_summary["loss above minimum at the end"]
decay_overshoots = decay_summary["overshoots"]
assert decay_overshoots["moderate decay"] < decay_overshoots["constant"], "fewer jumps"
assert decay_excess["moderate decay"] < decay_excess["constant"] / 100, "and much closer"
assert decay_excess["fast decay"] > decay_excess["constant"], "a fast decay stalls"
moderate_rates = decay_paths["moderate decay"]["learning_rate"]
calm_from = int(decay_paths["moderate decay"]["step"][moderate_rates < 1 / lambda_max].iloc[0])
decay_summary.style.format("{:.3g}")

# %% tags=["hide-input"]
Markdown(
    "With the moderate decay the jumps across the valley shrink fast and die out after "
    f"**{decay_overshoots['moderate decay']}** steps instead of going on for all "
    f"**{decay_overshoots['constant']}** (the rate itself is below $1/\\lambda_{{\\max}}$ "
    f"from step **{calm_from}** on), and the loss ends "
    f"**{decay_excess['moderate decay']:.1e}** above its minimum instead of "
    f"**{decay_excess['constant']:.1e}**. Decay too fast, and "
    f"the rate shrinks to **{decay_summary.loc['fast decay', 'last learning rate']:.3f}** "
    "before the path has reached the minimum: it stalls part-way along the floor of the valley, "
    f"**{decay_excess['fast decay']:.1e}** above the minimum, worse than not decaying at all."
)

# %% [markdown]
# With the full gradient, as here, a well-chosen constant rate does just as well: the steps
# shrink by themselves near the minimum because the gradient does. Decay matters more with
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
# from `initial_weights(seed)` and the order of the rows in each epoch from
# `batch_order(seed, ...)`.
#
# Here is the very first update written out: the first batch of the first epoch, the
# predictions, the loss and the gradient, and the step.

# %%
split = bgd.split_data()
kernel, bias = initial_weights(SEED)
order = batch_order(SEED, n_samples=split.X_train.shape[0], epochs=EPOCHS)

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
weights.style.format("{:.6f}").format("{:.1e}", subset=["difference"])

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
keras_epoch_loss = history.query("split == 'train' and metric == 'loss'").set_index("epoch")[
    "value"
]
loss_difference = (result.epoch_loss() - keras_epoch_loss).abs().max()
assert loss_difference < 1e-5, "the per-epoch training losses agree as well"

# %% tags=["hide-input"]
Markdown(
    f"After {EPOCHS} epochs ({len(result.history)} updates) the NumPy weights and Keras's "
    f"differ by at most **{largest_difference:.1e}**, while training moved them by at least "
    f"**{(weights['initial'] - weights['Keras']).abs().min():.3f}**. The difference is "
    "rounding: Keras computes in 32-bit floats, NumPy here in 64-bit. Even the training loss "
    "of each epoch, the mean of the batch losses measured before each update (lesson 3), "
    f"agrees to **{loss_difference:.1e}**."
)

# %% [markdown]
# There is nothing more to Keras's SGD than this update rule: the optimizer object, the
# compiled graph and the training loop of `model.fit` compute a gradient and take a step of
# size $\eta$ against it, batch after batch.
#
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    "- Gradient descent moves each parameter against its partial derivative, "
    "$w \\leftarrow w - \\eta\\, \\partial L / \\partial w$; the learning rate $\\eta$ is "
    "the step size.\n"
    "- On a quadratic bowl the curvature sets the scale: here the largest stable rate is "
    f"$2/\\lambda_{{\\max}}$ = **{largest_stable_rate:.3f}**. After {STEPS} steps a rate of "
    f"{summary.loc['too small', 'learning rate']:.3f} is still "
    f"**{excess['too small']:.2f}** above the minimal loss, "
    f"{summary.loc['good', 'learning rate']:.3f} is within **{excess['good']:.1e}**, "
    f"{summary.loc['large: zig-zag', 'learning rate']:.3f} zig-zags to "
    f"**{excess['large: zig-zag']:.1e}**, and "
    f"{summary.loc['too large: diverges', 'learning rate']:.3f} diverges.\n"
    "- A decaying rate tames the zig-zag (**"
    f"{decay_excess['moderate decay']:.1e}** instead of **{decay_excess['constant']:.1e}**), "
    f"but decaying too fast stalls (**{decay_excess['fast decay']:.1e}**).\n"
    f"- Logistic regression by hand in NumPy ends within **{largest_difference:.1e}** of "
    "Keras's weights: Keras's SGD is this update rule."
)

# %% [markdown]
# The banknote loss is not a perfect quadratic and its gradients are noisy, so there is no
# formula for its best learning rate. The next lesson measures it instead, over many seeds.
#
# [Lesson 5: Learning rate](05_learning_rate.py)
