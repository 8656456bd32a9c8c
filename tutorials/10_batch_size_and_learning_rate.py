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
# # Batch size and learning rate together
#
# **How many updates does each batch size need when its learning rate is tuned for it? The
# critical batch size of McCandlish et al. (2018), measured two ways, the linear and
# square-root scaling rules, and the wall time of a step on this machine.**
#
# **What you will learn**
#
# - how to compare batch sizes fairly: each at its own tuned learning rate, tuned on one set
#   of seeds and measured on fresh ones, by the number of updates to reach a target loss;
# - the model $S = S_{\min}\,(1 + B_{\text{noise}}/B)$ of McCandlish et al. (2018), its
#   *critical batch size*, and the gradient noise scale measured directly from per-example
#   gradients;
# - when the best learning rate grows in proportion to the batch size (Goyal et al., 2017),
#   when like its square root (Krizhevsky, 2014; Hoffer et al., 2017), and when neither;
# - what a step costs on this machine, so that "large batches are faster" is measured, not
#   assumed.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

SEEDS = 10  # seeds 0 to 9 choose each batch size's learning rate
FRESH_SEEDS = list(range(100, 110))  # seeds that measure it, never used to choose
TARGET = 2.0  # the target: a training loss of TARGET times the minimum L*
BATCH_SIZES = [1, 4, 16, 64, 256, 960]  # 960: the full batch, every training row
EPOCHS = {1: 6, 4: 6, 16: 6, 64: 8, 256: 15, 960: 100}  # enough to reach the target
RATE_STEPS = [0.25, 0.5, 1, 2, 4]  # each batch size's rates: a guess times these factors
TIMED_UPDATES = 30  # updates per timing, repeated TIMING_REPEATS times
TIMING_REPEATS = 5
palette = sns.color_palette("colorblind")

# %% [markdown]
# ## The yardstick: updates to reach a target loss
#
# [Lesson 6](06_batch_size.py) compared batch sizes after a fixed number of epochs, then of
# updates, at fixed rates. Here every batch size $B$ gets its own learning rate, and we ask how
# many updates $S$ it needs to bring the training loss down to a target: `TARGET` times the
# minimum $L^*$ of [lesson 9](09_curvature.py). The training loss is measured on all training rows
# with the weights at the end of every epoch; between two epochs we interpolate the logarithm of
# the loss linearly, to place the crossing within the epoch (roughly: for batches of one row an
# epoch is 960 updates).
#
# Each batch size tries five rates around a first guess ($B$ itself, capped at 50: the
# guess only places the window, and a check below makes sure that no chosen rate
# sits at its edge). Mini-batches train with `bgd.sweep`; the full batch with
# `bgd.full_batch_descent`, which gives the loss after every single update.

# %%
split = bgd.split_data()
X, y = split.X_train, split.y_train
n_train = len(y)
assert BATCH_SIZES[-1] == n_train, "the last batch size should be the full batch"
L_STAR = bgd.optimum(split).loss
target_loss = TARGET * L_STAR
start_loss = {
    seed: bgd.logistic_loss(*(w.ravel() for w in bgd.initial_weights(seed)), X, y)
    for seed in [*range(SEEDS), *FRESH_SEEDS]
}


def rates_for(batch_size: int) -> list[float]:
    """The window of rates tried for a batch size: a guess, times RATE_STEPS."""
    guess = min(float(batch_size), 50.0)
    return [round(guess * factor, 6) for factor in RATE_STEPS]


def updates_to_target(steps: np.ndarray, losses: np.ndarray) -> float:
    """Updates until the loss first reaches target_loss (log-linear between points), or inf."""
    below = np.flatnonzero(losses <= target_loss)
    if len(below) == 0:
        return np.inf
    k = below[0]
    if k == 0:
        return 0.0
    fraction = np.log(losses[k - 1] / target_loss) / np.log(losses[k - 1] / losses[k])
    return steps[k - 1] + fraction * (steps[k] - steps[k - 1])


def updates_for(batch_size: int, rates: list[float], *, seeds: int | list[int]) -> pd.DataFrame:
    """Updates to the target of every rate and seed (a number of seeds, or a list)."""
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    rows = []
    if batch_size == n_train:  # full batch: the loss after every update
        path = bgd.full_batch_descent(
            split, learning_rate=rates, steps=EPOCHS[batch_size], seed=seeds
        )
        for (rate, seed), run in path.groupby(["learning_rate", "seed"]):
            s = updates_to_target(run["step"].to_numpy(), run["loss"].to_numpy())
            rows.append({"learning_rate": rate, "seed": seed, "S": s})
        return pd.DataFrame(rows).assign(batch_size=batch_size)
    frame = bgd.sweep(
        {"learning_rate": rates},
        seeds=seeds,
        epochs=EPOCHS[batch_size],
        optimizer="sgd",
        batch_size=batch_size,
    )
    loss = frame[(frame["split"] == "train") & (frame["metric"] == "loss")]
    for (rate, seed), run in loss.groupby(["learning_rate", "seed"]):
        steps = np.concatenate([[0], run["step"].to_numpy()])
        losses = np.concatenate([[start_loss[seed]], run["value"].to_numpy()])
        rows.append({"learning_rate": rate, "seed": seed, "S": updates_to_target(steps, losses)})
    return pd.DataFrame(rows).assign(batch_size=batch_size)


runs = pd.concat([updates_for(b, rates_for(b), seeds=SEEDS) for b in BATCH_SIZES])

# %% [markdown]
# For each batch size we choose the rate with the fewest updates to the target, as a
# median over the tuning seeds (a run that never reaches the target counts as infinitely
# slow), and then measure that rate on the fresh seeds.

# %%
tuning = runs.pivot_table(index="batch_size", columns="learning_rate", values="S", aggfunc="median")
best_rate = tuning.idxmin(axis=1)
for batch_size in BATCH_SIZES:
    window = rates_for(batch_size)
    assert window[0] < best_rate[batch_size] < window[-1], "a chosen rate sits at its edge"
fresh = pd.concat([updates_for(b, [best_rate[b]], seeds=FRESH_SEEDS) for b in BATCH_SIZES])
assert np.isfinite(fresh["S"]).all(), "every fresh run should reach the target"
measured = fresh.groupby("batch_size")["S"].agg(
    median="median", low=lambda s: s.quantile(0.25), high=lambda s: s.quantile(0.75)
)
measured["learning rate"] = best_rate
measured["examples (S × B)"] = measured["median"] * measured.index
measured.round(1)

# %% [markdown]
# ## The model of McCandlish et al.
#
# McCandlish et al. (2018) model the trade-off with two numbers. With a perfect gradient
# (an infinite batch), training would need $S_{\min}$ updates. A batch of $B$ rows gives a
# noisy gradient; their analysis of the best step for a noisy gradient gives
#
# $$S = S_{\min}\left(1 + \frac{B_{\text{noise}}}{B}\right), \qquad
# E = S\,B = E_{\min}\left(1 + \frac{B}{B_{\text{noise}}}\right),$$
#
# with $E$ the number of training examples read and $E_{\min} = S_{\min} B_{\text{noise}}$.
# Far below $B_{\text{noise}}$, doubling the batch halves the updates (and reads the same
# data); far above it, a larger batch reads more data for almost no fewer updates. The
# *critical batch size* $B_{\text{crit}} = B_{\text{noise}}$ is the turning point: there
# training takes twice the minimum updates and twice the minimum examples. We fit the two
# numbers to the fresh medians by least squares on the relative error (a straight line in
# $1/B$).

# %%
inverse_batch = 1 / measured.index.to_numpy(dtype=float)
slope, intercept = np.polyfit(
    inverse_batch, measured["median"], 1, w=1 / measured["median"].to_numpy()
)
S_MIN, B_FIT = intercept, slope / intercept
fitted = S_MIN * (1 + B_FIT * inverse_batch)
relative_error = np.abs(fitted / measured["median"] - 1)
assert S_MIN > 0 and B_FIT > 0, "the fit should give a positive S_min and B_noise"
assert relative_error.max() < 0.5, "the model should fit every batch size within 50 %"

# %% [markdown]
# McCandlish et al. also show how to measure $B_{\text{noise}}$ without training any batch
# size: from the gradients of single examples. With $G$ the full gradient and $\Sigma$ the
# covariance of the per-example gradients, the simplest version is
# $B_{\text{simple}} = \operatorname{tr}(\Sigma)/|G|^2$, the batch size at which the noise
# of a batch gradient is as large as the gradient itself. It changes as training goes on
# (the gradient shrinks, the noise does not), so we measure it where the question is asked:
# at the weights where full-batch descent at its tuned rate first reaches the target, for
# each fresh seed. `bgd.gradient_noise_scale` computes it from the per-example gradients.

# %%
full_rate = float(best_rate[n_train])
noise_scale = []
for seed in FRESH_SEEDS:
    steps = int(np.ceil(fresh.set_index("seed").query("batch_size == @n_train").loc[seed, "S"]))
    kernel, bias = bgd.initial_weights(seed)
    reached = bgd.by_hand.logistic_regression_sgd(
        X,
        y,
        weights=kernel,
        bias=bias,
        learning_rate=full_rate,
        batch_size=n_train,
        epochs=steps,
        order=None,
    )
    noise_scale.append(bgd.gradient_noise_scale(reached.weights, reached.bias, X, y))
B_SIMPLE = float(np.median(noise_scale))
at_start = bgd.gradient_noise_scale(np.zeros(X.shape[1]), 0.0, X, y)
agreement = max(B_SIMPLE / B_FIT, B_FIT / B_SIMPLE)
assert agreement < 4, "the two measurements of the noise scale should agree within 4x"
assert at_start < B_SIMPLE / 10, "the noise scale should grow during training"

# %%
figure, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
grid_b = np.geomspace(1, n_train, 100)
for ax, what in zip(axes, ["updates S", "examples E = S × B"]):
    examples = what.startswith("examples")
    per_batch = measured.index.to_numpy(dtype=float) if examples else 1.0
    model = S_MIN * (1 + B_FIT / grid_b) * (grid_b if examples else 1.0)
    ax.errorbar(
        measured.index,
        measured["median"] * per_batch,
        yerr=[
            (measured["median"] - measured["low"]) * per_batch,
            (measured["high"] - measured["median"]) * per_batch,
        ],
        fmt="o",
        color=palette[0],
        capsize=3,
        label=f"measured: median and quartiles, {len(FRESH_SEEDS)} fresh seeds",
    )
    ax.plot(grid_b, model, color=palette[1], label="fit S = S_min (1 + B_noise / B)")
    ax.axvline(B_FIT, color=palette[2], linestyle="--", label=f"B_noise (fit) = {B_FIT:.0f}")
    ax.axvline(
        B_SIMPLE, color=palette[3], linestyle=":", label=f"B_simple (gradients) = {B_SIMPLE:.0f}"
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="batch size B (log scale)",
        ylabel=f"{what} to reach {TARGET:g} × L* (log scale)",
        title=f"{what.split(' ')[0].capitalize()} to the target, each batch size at its tuned rate",
    )
    ax.grid(alpha=0.3)
legend = figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)

# %% tags=["hide-input"]
small, full_batch = BATCH_SIZES[0], n_train
Markdown(
    f"Batches of **{small}** need a median **{measured.loc[small, 'median']:.0f}** updates "
    f"to reach {TARGET:g} × $L^*$ = {target_loss:.4f}; the full batch needs "
    f"**{measured.loc[full_batch, 'median']:.0f}**. The fit gives $S_{{\\min}}$ = "
    f"**{S_MIN:.1f}** updates and $B_{{\\text{{noise}}}}$ = **{B_FIT:.0f}**, within "
    f"{100 * relative_error.max():.0f} % of every measured median. Measured directly from "
    "per-example gradients at the point where the target is reached, $B_{\\text{simple}}$ "
    f"= **{B_SIMPLE:.0f}** (median over the fresh seeds; at $w = 0$ it is only "
    f"{at_start:.1f}: early in training every note pulls the same way). The two estimates "
    f"differ by a factor of {agreement:.1f}, which is as close as McCandlish et al. expect: "
    "$B_{\\text{simple}}$ leaves out the curvature, treating every direction as equally "
    "sharp, and the fit rests on six noisy medians."
)

# %% [markdown]
# ## Linear or square-root scaling of the rate?
#
# Two rules of thumb say how to change the learning rate with the batch size. Goyal et al.
# (2017) scale it in proportion, $\eta \propto B$: $k$ times the batch averages away $k$
# times the noise, and one step of $k\eta$ moves about as far as $k$ steps of $\eta$.
# Krizhevsky (2014) and Hoffer et al. (2017) argue for $\eta \propto \sqrt{B}$, which keeps
# the variance of the update per example constant. On a log-log plot of the tuned rates
# these are straight lines of slope 1 and 1/2.

# %%
small_batches = [b for b in BATCH_SIZES if b <= B_FIT / 10]  # far below B_noise
large_batches = [b for b in BATCH_SIZES if b >= B_FIT / 5]  # near it and above


def scaling_exponent(batch_sizes: list[int]) -> float:
    """Slope of log(tuned rate) against log(batch size) over these batch sizes."""
    rates = best_rate.loc[batch_sizes].to_numpy(dtype=float)
    return float(np.polyfit(np.log(batch_sizes), np.log(rates), 1)[0])


slope_small = round(scaling_exponent(small_batches), 2) + 0.0  # + 0.0: no "-0.00"
slope_large = round(scaling_exponent(large_batches), 2) + 0.0

figure, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
tried = runs[["batch_size", "learning_rate"]].drop_duplicates()
ax.scatter(tried["batch_size"], tried["learning_rate"], s=12, color="0.6", label="rates tried")
ax.plot(best_rate.index, best_rate, "o-", color=palette[0], label="tuned rate")
anchor_b, anchor_rate = best_rate.index[0], best_rate.iloc[0]
ax.plot(grid_b, anchor_rate * grid_b / anchor_b, "--", color=palette[1], label="linear: η ∝ B")
ax.plot(
    grid_b,
    anchor_rate * np.sqrt(grid_b / anchor_b),
    ":",
    color=palette[2],
    label="square root: η ∝ √B",
)
ax.axvline(B_FIT, color="0.3", lw=1, linestyle="-.", label="B_noise (fit)")
ax.set(
    xscale="log",
    yscale="log",
    ylim=(best_rate.min() / 8, best_rate.max() * 8),
    xlabel="batch size B (log scale)",
    ylabel="learning rate η (log scale)",
    title="Learning rate tuned for each batch size (fewest updates to the target)",
)
ax.legend()
ax.grid(alpha=0.3)

# %% tags=["hide-input"]
assert abs(slope_small - 1) < abs(slope_small - 0.5), "far below B_noise: closer to linear"
assert slope_large < 0.25, "near and above B_noise the tuned rate should hardly grow"

# %% tags=["hide-input"]
Markdown(
    "Far below $B_{\\text{noise}}$ (batch sizes "
    + ", ".join(map(str, small_batches))
    + f") the tuned rate grows like $B^{{{slope_small:.2f}}}$: the linear rule, as the noise "
    "argument predicts where the noise dominates the gradient. From "
    f"{large_batches[0]} rows on it grows like $B^{{{slope_large:.2f}}}$: it stops at "
    f"{best_rate[large_batches[-1]]:g}, whatever the batch size. There the gradient is "
    "nearly exact and the rate runs into the curvature limit of lesson 9, not the noise. "
    "Neither rule holds there, and the square-root rule describes neither regime here. "
    "(The tuning grid steps by factors of 2, so each exponent is only known roughly.)"
)

# %% [markdown]
# ## Wall time per update on this machine
#
# Fewer updates is only faster if an update does not cost proportionally more. We time
# the update of the course's Keras model (`train_on_batch`, one compiled step) at every
# batch size, `TIMED_UPDATES` updates at a time, repeated `TIMING_REPEATS` times, and keep
# the median: on a shared machine a single timing can be slowed by whatever else runs.

# %%
model = bgd.build_model(optimizer="sgd", learning_rate=0.01, seed=0)
step_time = {}
for batch_size in BATCH_SIZES:
    xb, yb = X[:batch_size], y[:batch_size]
    model.train_on_batch(xb, yb)  # compile for this shape first
    timings = []
    for _ in range(TIMING_REPEATS):
        begin = time.perf_counter()
        for _ in range(TIMED_UPDATES):
            model.train_on_batch(xb, yb)
        timings.append((time.perf_counter() - begin) / TIMED_UPDATES)
    step_time[batch_size] = np.median(timings)
measured["ms per update"] = 1000 * pd.Series(step_time)
measured["seconds to target"] = measured["median"] * measured["ms per update"] / 1000
measured[["learning rate", "median", "ms per update", "seconds to target"]].round(3)

# %% tags=["hide-input"]
cost_ratio = step_time[n_train] / step_time[small]
fastest = measured["seconds to target"].idxmin()
assert cost_ratio < 10, "a full-batch update should cost far less than 960 single-row updates"
assert fastest >= 64, "in wall time, a large batch should reach the target first"
speed_up = measured.loc[small, "seconds to target"] / measured.loc[fastest, "seconds to target"]

# %% tags=["hide-input"]
Markdown(
    f"An update of the full batch ({n_train} rows) takes **{cost_ratio:.1f}** times as long as "
    f"an update of one row, not {n_train} times: for a model this small the time of a step "
    "is the framework's overhead, not arithmetic. So on this machine fewer updates means "
    f"less time: batches of **{fastest}** reach the target first, "
    f"**{speed_up:.0f}** times sooner than batches of {small}. On a large model, where the "
    "arithmetic dominates once the hardware is busy, an update of $B$ rows costs close to "
    "$B$ times as much, and batches beyond $B_{\\text{crit}}$ then waste computation."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- Each at its tuned rate, batches of {small} need {measured.loc[small, 'median']:.0f} "
    f"updates to reach {TARGET:g} × $L^*$ and the full batch "
    f"{measured.loc[full_batch, 'median']:.0f}.\n"
    f"- $S = S_{{\\min}}(1 + B_{{\\text{{noise}}}}/B)$ fits with $S_{{\\min}}$ = {S_MIN:.1f} "
    f"and a critical batch size $B_{{\\text{{noise}}}}$ = {B_FIT:.0f}; per-example gradients "
    f"give $B_{{\\text{{simple}}}}$ = {B_SIMPLE:.0f} at the target.\n"
    f"- Far below the critical batch size the tuned rate grows linearly with $B$ "
    f"(exponent {slope_small:.2f}, batch sizes {small_batches[0]} to {small_batches[-1]}); "
    f"from {large_batches[0]} rows on it hardly grows (exponent {slope_large:.2f}): the "
    "linear rule holds where noise limits the rate, and breaks where curvature does; the "
    "square-root rule fits neither regime here.\n"
    f"- A full-batch update costs {cost_ratio:.1f} × a single-row update here, so the "
    f"large batches win in wall time ({speed_up:.0f} × faster to the target)."
)

# %% [markdown]
# ## Further reading
#
# - Sam McCandlish, Jared Kaplan, Dario Amodei and the OpenAI Dota Team (2018). *An
#   Empirical Model of Large-Batch Training.* arXiv:1812.06162.
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677.
# - Alex Krizhevsky (2014). *One Weird Trick for Parallelizing Convolutional Neural
#   Networks.* arXiv:1404.5997.
# - Elad Hoffer, Itay Hubara and Daniel Soudry (2017). *Train Longer, Generalize Better:
#   Closing the Generalization Gap in Large Batch Training of Neural Networks.* NeurIPS
#   2017.
# - Christopher J. Shallue, Jaehoon Lee, Joseph Antognini, Jascha Sohl-Dickstein, Roy
#   Frostig and George E. Dahl (2019). *Measuring the Effects of Data Parallelism on Neural
#   Network Training.* Journal of Machine Learning Research 20.
