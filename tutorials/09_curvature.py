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
# # Curvature and the stability threshold
#
# **How sharp is the banknote loss, where, and what does that say about the largest learning
# rate? The Hessian at $\theta = 0$, at the initial weights, along the path and at the
# optimum, against full-batch and mini-batch sweeps.**
#
# **What you will learn**
#
# - what the Hessian of the logistic loss is, and why its largest eigenvalue
#   $\lambda_{\max}$ sets the step-size limit $\eta = 2/\lambda_{\max}$ of gradient descent,
#   but only *locally*;
# - that $\lambda_{\max}$ of this problem is not one number: it is largest at $\theta = 0$,
#   drops steeply in the first step of training, and then, depending on the rate, either
#   approaches its value at the optimum from above (sometimes after a rebound) or rebounds
#   to $2/\eta$ and hovers there, with raw and with standardised features;
# - where full-batch gradient descent stops improving on a learning-rate sweep, and where
#   mini-batch noise, not curvature, sets the limit first;
# - whether the sharpness rises towards $2/\eta$ during training, the *edge of stability*
#   of Cohen et al. (2021), on this problem and on a small network, and why logistic
#   regression does not diverge there.

# %%
import itertools

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import tensorflow as tf
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

SEEDS = 10  # seeds 0 to 9: initial weights and batch order
BATCH_SIZE = 32  # the mini-batch runs
EPOCHS = 5  # of mini-batches of 32: 150 updates; the full-batch runs get as many
RATES = {  # the learning-rate sweep, for each feature scaling
    "standardised": [1, 3, 10, 30, 100, 300, 1000],
    "raw": [0.03, 0.1, 0.3, 1, 3, 10, 30],
}
PATH_RATES = {"standardised": [10, 300], "raw": [1, 10]}  # sharpness along the path
PATH_STEPS = 300  # full-batch updates when following the sharpness
MLP_UNITS = 8  # hidden units of the small network
MLP_RATES = [0.5, 2.0]
MLP_CHECKPOINTS = [0, 10, 30, 100, 200]  # full-batch updates at which we measure
SCALINGS = {"standardised": True, "raw": False}
palette = sns.color_palette("colorblind")

# %% [markdown]
# ## The Hessian of logistic regression
#
# Write $\theta = (w, b)$ for the five parameters and $\tilde x_i = (x_i, 1)$ for a note's
# features with a 1 for the bias, so that the logit is $z_i = \theta^\top \tilde x_i$ and the
# prediction $p_i = \sigma(z_i)$. Lesson 4 gave the gradient of the mean cross-entropy,
# $\nabla L = \frac1n \sum_i (p_i - y_i)\,\tilde x_i$. Differentiating once more gives the
# Hessian, the matrix of second derivatives:
#
# $$H(\theta) = \frac1n \sum_{i=1}^n p_i (1 - p_i)\; \tilde x_i \tilde x_i^\top .$$
#
# Three things follow from this formula. $H$ does not involve the labels. Every term is a
# positive multiple of $\tilde x_i \tilde x_i^\top$, so the loss is convex: one valley, no
# other minimum. And the weight $p_i(1-p_i)$ of a note is at most $\frac14$, reached when
# $p_i = \frac12$, that is at $\theta = 0$, where every note sits on the decision boundary.
# As the model grows confident, $p_i(1-p_i)$ shrinks towards 0 and so does the curvature.
#
# Lesson 4 showed, for a quadratic bowl, that gradient descent converges only if
# $\eta < 2/\lambda_{\max}$, with $\lambda_{\max}$ the largest eigenvalue of $H$. The
# banknote loss is not a quadratic: its Hessian changes from point to point, so
# $2/\lambda_{\max}$ is a *local* limit. We measure it at $\theta = 0$, at the seeds'
# initial weights (`bgd.initial_weights`, where every training run below starts; the table
# gives the median over the `SEEDS` seeds) and at the optimum, which `bgd.optimum` finds
# with Newton's method, for both feature scalings.
# `bgd.hessian_eigenvalues` computes the eigenvalues of the exact Hessian;
# `bgd.lambda_max` finds the largest one by power iteration on Hessian-vector products
# (the method that scales to networks with millions of weights), and the two must agree.

# %%
splits = {name: bgd.split_data(standardize=flag) for name, flag in SCALINGS.items()}
optima = {name: bgd.optimum(split) for name, split in splits.items()}
zero, initial, at_optimum = "θ = 0", "initial weights (median)", "optimum"


def curvature_at(weights, bias, X, y):
    """The Hessian's extreme eigenvalues at (weights, bias), exact and by power iteration."""
    eigenvalues = bgd.hessian_eigenvalues(weights, bias, X, y)
    power = bgd.lambda_max(weights, bias, X, y)
    assert np.isclose(power, eigenvalues[-1], rtol=1e-4), "power iteration = exact"
    return {
        "λmax": eigenvalues[-1],
        "λmin": eigenvalues[0],
        "λmax / λmin": eigenvalues[-1] / eigenvalues[0],
        "2 / λmax": 2 / eigenvalues[-1],
    }


rows, initial_lambda = [], {}
for name, split in splits.items():
    X, y = split.X_train, split.y_train
    opt = optima[name]
    rows.append({"features": name, "where": zero, **curvature_at(np.zeros(X.shape[1]), 0.0, X, y)})
    seeds = []
    for seed in range(SEEDS):
        kernel, bias = bgd.initial_weights(seed, n_features=X.shape[1])
        seeds.append(curvature_at(kernel.astype("float64"), float(bias[0]), X, y))
    seeds = pd.DataFrame(seeds)
    initial_lambda[name] = seeds["λmax"]
    rows.append({"features": name, "where": initial, **seeds.median()})
    rows.append(
        {"features": name, "where": at_optimum, **curvature_at(opt.weights, opt.bias, X, y)}
    )
curvature = pd.DataFrame(rows).set_index(["features", "where"])
curvature.style.format("{:.3g}")

# %% tags=["hide-input"]
lam = curvature.pivot_table(index="features", columns="where", values="λmax")
limit = curvature.pivot_table(index="features", columns="where", values="2 / λmax")
flattening = lam[zero] / lam[at_optimum]
initial_flatter = lam[zero] / lam[initial]
optimum_loss = {name: opt.loss for name, opt in optima.items()}
L_STAR = optimum_loss["standardised"]
assert np.isclose(optimum_loss["raw"], L_STAR, rtol=1e-6), "the same minimum for both scalings"
assert (flattening > 10).all(), "the optimum should be at least 10 times flatter than θ = 0"
for name in SCALINGS:
    assert (initial_lambda[name] < lam.loc[name, zero]).all(), "no point is sharper than θ = 0"
assert initial_flatter["raw"] > 4, "raw: the initial weights are several times flatter"
assert 1.2 < initial_flatter["standardised"] < 2, "standardised: only somewhat flatter"

# %% tags=["hide-input"]
Markdown(
    f"Both scalings reach the same minimal training loss, $L^* = {L_STAR:.5f}$ (standardising "
    "is an affine change of the features, which a matching change of $(w, b)$ undoes; it "
    "moves the minimum, not its height). Their curvatures differ a lot. At $\\theta = 0$, "
    f"$2/\\lambda_{{\\max}}$ is **{limit.loc['raw', zero]:.3f}** on raw features and "
    f'**{limit.loc["standardised", zero]:.2f}** on standardised ones: the "safe rates" of '
    "lesson 5. The seeds' initial weights, where the training runs below start, are flatter: "
    f"their median limit is **{limit.loc['raw', initial]:.2f}** on raw features, "
    f"{initial_flatter['raw']:.0f} times that of $\\theta = 0$, and "
    f"**{limit.loc['standardised', initial]:.2f}** on standardised ones "
    f"({initial_flatter['standardised']:.1f} times). At the optimum the limit is "
    f"**{limit.loc['raw', at_optimum]:.2f}** (raw) and "
    f"**{limit.loc['standardised', at_optimum]:.0f}** (standardised): the loss there is "
    f"**{flattening['raw']:.0f}** and **{flattening['standardised']:.0f}** times flatter than "
    "at $\\theta = 0$. Since no note can weigh more than at $\\theta = 0$, no point of the "
    "loss is sharper than $\\theta = 0$: below its $2/\\lambda_{\\max}$ full-batch descent "
    "never increases the loss, anywhere (the guarantee lesson 5 relied on). Above it, "
    "whether a step overshoots depends on where the path is."
)

# %% [markdown]
# ## A learning-rate sweep, full batch and mini-batch
#
# Which limit matters in practice? We train every rate of `RATES` twice, from the same
# `SEEDS` starting points: with mini-batches of `BATCH_SIZE` for `EPOCHS` epochs
# (`bgd.sweep`), and with the full batch, all training rows in every update, for as many
# updates (`bgd.full_batch_descent`, which starts from the initial weights a seed gives the
# Keras model). Full-batch descent has no noise at all, so any trouble it runs into is
# curvature. We compare the loss of the final weights on all training rows with the
# minimum: the *excess loss* $L - L^*$.

# %%
n_train = len(splits["standardised"].X_train)
updates = EPOCHS * int(np.ceil(n_train / BATCH_SIZE))
full, mini = "full batch", f"mini-batch ({BATCH_SIZE})"
runs, full_paths = [], []
for name, flag in SCALINGS.items():
    frame = bgd.sweep(
        {"learning_rate": RATES[name]},
        seeds=SEEDS,
        epochs=EPOCHS,
        optimizer="sgd",
        batch_size=BATCH_SIZE,
        standardize=flag,
    )
    final = bgd.final_values(frame, split="train", metric="loss")
    runs.append(final.assign(features=name, batches=mini))
    path = bgd.full_batch_descent(
        splits[name], learning_rate=RATES[name], steps=updates, seed=list(range(SEEDS))
    )
    full_paths.append(path.assign(features=name))
full_paths = pd.concat(full_paths, ignore_index=True)
last = full_paths.groupby(["features", "learning_rate", "seed"]).tail(1)  # diverged: earlier
runs.append(last.rename(columns={"loss": "value"}).assign(batches=full))
sweep = pd.concat(runs, ignore_index=True)
sweep["excess"] = sweep["value"] - L_STAR
mean_excess = sweep.pivot_table(
    index=["features", "learning_rate"], columns="batches", values="excess", aggfunc="mean"
)[[full, mini]]
mean_excess.style.format("{:.2e}").format_index("{:g}", level=1)

# %%
figure, axes = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
for ax, name in zip(axes, SCALINGS):
    data = sweep[(sweep["features"] == name) & ~sweep["diverged"].astype(bool)]
    sns.lineplot(
        data=data,
        x="learning_rate",
        y="excess",
        hue="batches",
        hue_order=[full, mini],
        style="batches",
        style_order=[full, mini],
        markers=["o", "s"],
        palette=palette[:2],
        errorbar=bgd.BootstrapCI(95),  # seaborn's ("ci", 95) interval, faster
        ax=ax,
    )
    for where, label, colour, dash in [
        (zero, "2/λmax at θ = 0", palette[2], ":"),
        (initial, "2/λmax at the initial weights (median)", palette[4], "--"),
        (at_optimum, "2/λmax at the optimum", "0.15", "-."),
    ]:
        ax.axvline(limit.loc[name, where], color=colour, linestyle=dash, lw=1.5, label=label)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="learning rate η (log scale)",
        ylabel="excess training loss L − L* (log scale)",
        title=f"{name} features",
    )
    ax.grid(alpha=0.3)
    ax.get_legend().remove()
figure.legend(
    *axes[0].get_legend_handles_labels(),
    title=f"{updates} updates",
    loc="outside lower center",
    ncols=3,
)
figure.suptitle(
    f"Loss of the final weights above the minimum: mean over {SEEDS} seeds, "
    "band: 95 % bootstrap interval of the mean",
    fontsize="medium",
)
plt.show()

# %% tags=["hide-input"]
best_rate = mean_excess.groupby("features").idxmin().map(lambda pair: pair[1])
loss_change = full_paths.groupby(["features", "learning_rate", "seed"])["loss"].diff()
ever_rises = (loss_change > 0).groupby([full_paths["features"], full_paths["learning_rate"]]).any()
first_rise = {name: ever_rises[name][ever_rises[name]].index.min() for name in SCALINGS}
at_full_best = {name: mean_excess.loc[(name, best_rate.loc[name, full])] for name in SCALINGS}
for name in SCALINGS:
    assert best_rate.loc[name, full] > 5 * limit.loc[name, zero], (
        "full batch should keep improving far above θ = 0's 2/λmax"
    )
    assert best_rate.loc[name, full] > 3 * limit.loc[name, initial], (
        "and well above the limit where the runs start"
    )
    assert (
        limit.loc[name, at_optimum] / 4
        <= best_rate.loc[name, full]
        <= 4 * limit.loc[name, at_optimum]
    ), "and stop improving near the optimum's 2/λmax"
    assert best_rate.loc[name, mini] < best_rate.loc[name, full], "noise stops mini-batches first"
    assert at_full_best[name][mini] > 3 * at_full_best[name][full], (
        "at the full-batch best rate, mini-batches should end far higher"
    )
    assert first_rise[name] > limit.loc[name, zero], "no rise below θ = 0's limit"
    above = ever_rises[name][ever_rises[name].index >= first_rise[name]]
    assert above.all(), "and a rise at every larger rate"
    risen = full_paths[
        (full_paths["features"] == name) & (full_paths["learning_rate"] == first_rise[name])
    ].groupby("seed")["loss"]
    assert (risen.last() < risen.first()).all(), "where the loss first rises, it recovers"

# %% tags=["hide-input"]
Markdown(
    "Full-batch descent keeps improving far beyond the $2/\\lambda_{\\max}$ of $\\theta = 0$ "
    "and of the initial weights: its best rate is "
    f"**{best_rate.loc['standardised', full]:g}** on standardised features "
    f"({best_rate.loc['standardised', full] / limit.loc['standardised', zero]:.0f} times "
    f"{limit.loc['standardised', zero]:.2f} and "
    f"{best_rate.loc['standardised', full] / limit.loc['standardised', initial]:.0f} times "
    f"{limit.loc['standardised', initial]:.2f}) and **{best_rate.loc['raw', full]:g}** on raw "
    f"ones ({best_rate.loc['raw', full] / limit.loc['raw', zero]:.0f} times "
    f"{limit.loc['raw', zero]:.3f} and "
    f"{best_rate.loc['raw', full] / limit.loc['raw', initial]:.1f} times "
    f"{limit.loc['raw', initial]:.2f}). It stops improving near the *optimum's* limit, "
    f"{limit.loc['standardised', at_optimum]:.0f} and {limit.loc['raw', at_optimum]:.2f}. "
    "Already below it, full-batch descent is not a smooth slide: from a rate of "
    f"{first_rise['standardised']:g} (standardised) and {first_rise['raw']:g} (raw) on, the "
    "loss goes up on some steps, yet at the first of these rates every run still ends below "
    "where it started. Mini-batches give up earlier: their best rate is "
    f"**{best_rate.loc['standardised', mini]:g}** (standardised) and "
    f"**{best_rate.loc['raw', mini]:g}** (raw), and at the full-batch best rate they end "
    f"**{at_full_best['standardised'][mini] / at_full_best['standardised'][full]:.0f}** and "
    f"**{at_full_best['raw'][mini] / at_full_best['raw'][full]:.0f}** times further above "
    "$L^*$. Between the two limits the mini-batch runs are held back by the noise of their "
    "gradients, not by the curvature: without the noise, the same rates do fine."
)

# %% [markdown]
# ## Sharpness along the path
#
# Why does full-batch descent survive rates far above these limits? Follow
# $\lambda_{\max}$ along the path. `bgd.full_batch_descent` runs full-batch descent in
# NumPy and records $\lambda_{\max}$ of the Hessian at every step; we start it from each
# seed's initial weights, for a few rates of `PATH_RATES`, and draw $\lambda_{\max}$ against
# the number of updates, with each rate's limit $2/\eta$ as a dashed line of its colour.

# %%
paths = []
for name in SCALINGS:
    path = bgd.full_batch_descent(
        splits[name],
        learning_rate=PATH_RATES[name],
        steps=PATH_STEPS,
        seed=list(range(SEEDS)),
        track_lambda_max=True,
    )
    paths.append(path.assign(features=name))
paths = pd.concat(paths, ignore_index=True)
paths["λmax × η / 2"] = paths["lambda_max"] * paths["learning_rate"] / 2

figure, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
for ax, name in zip(axes, SCALINGS):
    data = paths[paths["features"] == name]
    colours = dict(zip(PATH_RATES[name], palette))
    sns.lineplot(
        data=data.assign(η=data["learning_rate"].map("{:g}".format)),
        x="step",
        y="lambda_max",
        hue="η",
        palette={f"{rate:g}": colour for rate, colour in colours.items()},
        estimator="median",
        errorbar=("pi", 100),
        ax=ax,
    )
    for rate, colour in colours.items():
        ax.axhline(2 / rate, color=colour, linestyle="--", lw=1)
    ax.axhline(
        lam.loc[name, at_optimum], color="0.15", linestyle=":", lw=1.5, label="λmax at the optimum"
    )
    ax.set_xscale("symlog", linthresh=1)
    ax.set(
        xlim=(0, PATH_STEPS),
        yscale="log",
        xlabel="full-batch updates (log scale from 1 on)",
        ylabel="λmax of the Hessian (log scale)",
        title=f"{name} features",
    )
    ax.legend(
        title="learning rate η (dashed: 2/η)",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=3,
        fontsize=9,
    )
    ax.grid(alpha=0.3)
figure.suptitle(
    f"Sharpness along full-batch descent; lines: median, bands: range over {SEEDS} seeds",
    fontsize="medium",
)
plt.show()

# %% [markdown]
# The table follows each rate's path through a few numbers, medians over the seeds:
# $\lambda_{\max}$ at the start (the seed's initial weights), after one step, at its
# highest after that step and at the end; how much the first step divides it by; the end
# relative to $\lambda_{\max}$ at the optimum; and, over the last `TAIL` steps, the mean of
# $\lambda_{\max}\,\eta/2$ (1 means $\lambda_{\max} = 2/\eta$) and how far it swings
# (its largest value over its smallest).

# %%
TAIL = 50  # the last steps of each path, where we look for the edge of stability
RUN = ["features", "learning_rate", "seed"]
after_first = paths[paths["step"] >= 1].groupby(RUN)["lambda_max"]
in_tail = paths[paths["step"] > PATH_STEPS - TAIL].groupby(RUN)["λmax × η / 2"]
summary = pd.DataFrame(
    {
        "start": paths.groupby(RUN)["lambda_max"].first(),
        "after step 1": after_first.first(),
        "peak after step 1": after_first.max(),
        "end": paths.groupby(RUN)["lambda_max"].last(),
    }
)
summary["fall in step 1"] = summary["start"] / summary["after step 1"]
summary["end / optimum"] = (
    summary["end"] / lam[at_optimum].reindex(summary.index.get_level_values("features")).to_numpy()
)
summary[f"λmax η/2, last {TAIL} steps"] = in_tail.mean()
summary["swing (max / min)"] = in_tail.max() / in_tail.min()
by_rate = summary.groupby(["features", "learning_rate"]).median()
by_rate.style.format("{:.3g}").format_index("{:g}", level=1)

# %% tags=["hide-input"]
EDGE = f"λmax η/2, last {TAIL} steps"
run_of = {  # the four paths, by what they show
    "slow": ("standardised", PATH_RATES["standardised"][0]),
    "rebound": ("raw", PATH_RATES["raw"][0]),
    "edge, standardised": ("standardised", PATH_RATES["standardised"][-1]),
    "edge, raw": ("raw", PATH_RATES["raw"][-1]),
}
seeds_of = {key: summary.loc[run] for key, run in run_of.items()}
falls = by_rate["fall in step 1"]
first_step_up = (summary["fall in step 1"] < 1).groupby(["features", "learning_rate"]).sum()
rising = paths.groupby(RUN)["lambda_max"].diff() > 0
last_rise = paths["step"].where(rising, 0).groupby([paths[key] for key in RUN]).max()
steady_fall_from = int(last_rise.loc[run_of["slow"]].max())
assert (falls > 3).all(), "the first step cuts the median sharpness more than 3 times"
assert first_step_up.drop(run_of["rebound"]).eq(0).all(), "and lowers it in every other run"
assert 0 < first_step_up.loc[run_of["rebound"]] < SEEDS / 2, "raw η = 1: raised in a few"
# Standardised, small rate: after the first few steps, it falls at every step, from above.
slow = seeds_of["slow"]
assert steady_fall_from <= 20, "the sharpness falls at every step after the first few"
assert (slow["end"] <= after_first.min().loc[run_of["slow"]]).all(), "it ends at its lowest"
assert (slow["end / optimum"] > 1).all(), "still above the optimum's λmax: from above"
# Raw, small rate: it rebounds far above the optimum's λmax, then falls back slowly.
rebound = seeds_of["rebound"]
peak_over_optimum = rebound["peak after step 1"] / lam.loc["raw", at_optimum]
assert (peak_over_optimum > 2).all(), "the rebound goes well above the optimum's λmax"
rebound_fall_from = int(last_rise.loc[run_of["rebound"]].max())
assert rebound_fall_from <= 30, "it peaks early, then falls at every step"
assert (rebound["end"] < rebound["peak after step 1"] / 1.2).all(), "and well below its peak"
assert (rebound["end / optimum"] > 1).all(), "still from above"
assert (by_rate.loc[[run_of["slow"], run_of["rebound"]], EDGE] < 0.6).all(), "below 2/η"
# The largest rates: the optimum is too sharp, the sharpness rebounds to 2/η and hovers.
lowest = {}  # the lowest λmax η/2 after step 1, per seed
for key in ["edge, standardised", "edge, raw"]:
    name, rate = run_of[key]
    assert 2 / rate < lam.loc[name, at_optimum], "the largest rate cannot settle at the optimum"
    runs_here = seeds_of[key]
    lowest[key] = after_first.min().loc[run_of[key]] * rate / 2
    assert (lowest[key] < 0.5).all(), "the first steps throw every run far below 2/η"
    assert (runs_here["peak after step 1"] * rate / 2 > 1).all(), "it rebounds up to 2/η"
    assert (runs_here[EDGE] > 0.7).all(), "and stays near it"
    assert 0.7 < by_rate.loc[run_of[key], EDGE] < 1.7, "on average near 2/η: the edge"
SETTLED = 1.05  # a tail swinging less than this (max / min) has settled
edge_std, edge_raw = seeds_of["edge, standardised"], seeds_of["edge, raw"]
settled = edge_std[edge_std["swing (max / min)"] < SETTLED]
unsettled = edge_std.drop(settled.index)
assert len(settled) >= SEEDS // 2, "most standardised runs settle near 2/η"
assert (settled[EDGE] < 1).all(), "just below it"
assert (edge_raw["swing (max / min)"] > 5).all(), "no raw run settles: each swings widely"
tail_steps = paths[paths["step"] > PATH_STEPS - TAIL]
raw_edge_tail = tail_steps[
    (tail_steps["features"] == "raw") & (tail_steps["learning_rate"] == run_of["edge, raw"][1])
].groupby("seed")["λmax × η / 2"]
swing_low, swing_high = raw_edge_tail.min(), raw_edge_tail.max()
assert (swing_low < 0.5).all() and (swing_high > 2).all(), "from well below to well above"
loss_rises = (paths.groupby(RUN)["loss"].diff() > 0) & (paths["step"] > PATH_STEPS - TAIL)
loss_rises = loss_rises.groupby([paths[key] for key in RUN]).sum()
assert (loss_rises.loc[run_of["edge, raw"]] > 5).all(), "the loss rises on many late steps"
# Why nothing diverges: one row's gradient (p - y) x̃ is never longer than x̃.
longest_row = {
    name: np.linalg.norm(np.column_stack([split.X_train, np.ones(n_train)]), axis=1).max()
    for name, split in splits.items()
}
loss_step = paths.groupby(RUN)["loss"].diff().fillna(0)
bound = paths["learning_rate"] * paths["features"].map(longest_row) ** 2
assert (loss_step <= bound).all(), "a step raises the loss by at most η · max‖x̃‖²"
assert np.isfinite(paths["loss"]).all() and not paths["diverged"].any(), "no path diverges"


# %% tags=["hide-input"]
def factor(value):
    """A factor for the prose: one decimal below 10, none above."""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def seed_range(values, digits):
    """'a to b': the smallest and largest of the seeds' values."""
    return f"{values.min():.{digits}f} to {values.max():.{digits}f}"


def rate_of(key):
    name, rate = run_of[key]
    return f"$\\eta = {rate:g}$ on {name} features"


unsettled_text = (
    ""
    if unsettled.empty
    else "; the remaining "
    + (f"{len(unsettled)} runs still swing" if len(unsettled) > 1 else "run still swings")
    + f", by a factor of up to {unsettled['swing (max / min)'].max():.0f}"
)
Markdown(
    "The seeds' initial weights are flatter than $\\theta = 0$ (median $\\lambda_{\\max}$ "
    f"{lam.loc['standardised', initial]:.3f} against {lam.loc['standardised', zero]:.3f} "
    f"standardised, {lam.loc['raw', initial]:.2f} against {lam.loc['raw', zero]:.1f} raw: "
    f"{initial_flatter['raw']:.0f} times flatter). The first step then cuts the sharpness, "
    "by a median factor of "
    + ", ".join(f"{factor(falls.loc[run_of[key]])} at {rate_of(key)}" for key in run_of)
    + f"; only in {first_step_up.loc[run_of['rebound']]} runs at {rate_of('rebound')} does "
    "it rise instead. One large step makes the model confident on most notes, and confident "
    "notes hardly curve the loss. That is why rates far above the limits of $\\theta = 0$ "
    "and of the initial weights survive: in most runs the steep start is left behind at "
    "once. What follows depends on the rate.\n\n"
    f"- **{rate_of('slow').capitalize()}**: after a wobble in the first "
    f"{steady_fall_from} steps, the "
    "sharpness falls at every step and never comes back up. At step "
    f"{PATH_STEPS} it is {by_rate.loc[run_of['slow'], 'end']:.4f}, still "
    f"{by_rate.loc[run_of['slow'], 'end / optimum']:.1f} times the optimum's "
    f"{lam.loc['standardised', at_optimum]:.4f}, which it approaches from above.\n"
    f"- **{rate_of('rebound').capitalize()}**: the sharpness does not stay low. Within the "
    f"first {rebound_fall_from} steps it peaks at "
    f"{seed_range(rebound['peak after step 1'], 2)}, depending on the seed "
    f"({seed_range(peak_over_optimum, 0)} times the optimum's "
    f"{lam.loc['raw', at_optimum]:.3f}); from there it falls at every step, to "
    f"{by_rate.loc[run_of['rebound'], 'end']:.2f} at step {PATH_STEPS}, still "
    f"{by_rate.loc[run_of['rebound'], 'end / optimum']:.1f} times the optimum's.\n"
    f"- **The largest rates, {rate_of('edge, standardised')} and {rate_of('edge, raw')}**: "
    "the optimum is too sharp for them, $2/\\eta < \\lambda_{\\max}(\\theta^*)$. The first "
    "steps throw the weights into a flat region ($\\lambda_{\\max}\\,\\eta/2$ drops below "
    f"{max(lowest[key].max() for key in lowest):.2f} in every run), and the sharpness "
    "rebounds until it reaches $2/\\eta$. Over the last "
    f"{TAIL} steps, $\\lambda_{{\\max}}\\,\\eta/2$ averages "
    f"{seed_range(settled[EDGE], 2)} in {len(settled)} of the {SEEDS} standardised runs, "
    f"each steady to within {100 * (settled['swing (max / min)'].max() - 1):.0f} %"
    f"{unsettled_text}. On raw features no run settles: in each, "
    f"$\\lambda_{{\\max}}\\,\\eta/2$ swings from {seed_range(swing_low, 2)} up to "
    f"{seed_range(swing_high, 1)}, and averages {seed_range(edge_raw[EDGE], 2)}: the "
    "sharpness crosses $2/\\eta$ back and forth, and the loss rises on "
    f"{seed_range(loss_rises.loc[run_of['edge, raw']], 0)} of the last {TAIL} steps.\n\n"
    "The last regime is the *edge of stability* of Cohen et al. (2021): the sharpness "
    "hovers at $2/\\eta$, and descent cannot settle at the optimum, which is sharper. The "
    "way there is not theirs, though. In their networks the sharpness rises steadily during "
    "training, even at small rates, until it meets $2/\\eta$: *progressive sharpening*. "
    "There is no progressive sharpening here: the rise is a rebound after the first step "
    f"has overshot into a flat region, and at {rate_of('slow')} there is no rise at all "
    "after the first few steps.\n\n"
    "Why does descent not diverge at the edge? On logistic regression it cannot. One row's "
    "gradient is $(p_i - y_i)\\,\\tilde x_i$ with $|p_i - y_i| < 1$, so the gradient is "
    "never longer than the longest row $\\tilde x_i$: "
    f"{longest_row['standardised']:.1f} standardised, {longest_row['raw']:.0f} raw. One step "
    "moves $\\theta$ by at most $\\eta \\max_i \\lVert \\tilde x_i \\rVert$, and the loss, "
    "computed from the logits, stays finite and rises by at most "
    "$\\eta \\max_i \\lVert \\tilde x_i \\rVert^2$ in a step (checked on every step above). "
    "An overshoot costs a bounded amount, so the edge of stability is harmless here. "
    "A network has no such bound: its "
    "gradient is multiplied by the weights of its other layers, which can grow. Wu, "
    "Braverman and Lee (2023) study logistic regression at the edge of stability on "
    "separable data: gradient descent with any constant rate still minimises the loss over "
    "long times despite the oscillations, whereas with the exponential loss, whose gradient "
    "is unbounded, it can diverge."
)

# %% [markdown]
# ## A small network
#
# Does a network with a hidden layer behave the same? We train the model of
# [lesson 3](03_first_model.py) with `MLP_UNITS` hidden ReLU units by full-batch gradient
# descent in Keras, from each seed's initial weights, and a callback measures its sharpness
# during `fit` at a few checkpoints with `bgd.sharpness`, which runs power iteration on
# Hessian-vector products of the Keras model (computed by differentiating twice; the Hessian
# itself is never formed). Unlike logistic regression's, a network's Hessian can have
# negative eigenvalues, and power iteration finds the eigenvalue of largest *magnitude*: we
# check that every value it returns is positive, so that it is $\lambda_{\max}$. At each
# checkpoint we also record the training loss and accuracy of the network on all the
# training rows.

# %%
split = splits["standardised"]
X, y = split.X_train, split.y_train
every_row = tf.data.Dataset.from_tensors((X, y)).repeat()  # one full batch per update
model = bgd.build_model(hidden_units=MLP_UNITS, optimizer="sgd", seed=0)
network = []


def measure(rate, seed, step):
    """Record the network's sharpness, loss and accuracy after `step` full-batch updates."""
    sharpness = bgd.sharpness(model, X, y, tol=1e-3)
    probability = model(X, training=False).numpy().reshape(-1)
    loss = keras.losses.binary_crossentropy(y.reshape(-1, 1), probability.reshape(-1, 1))
    network.append(
        {
            "learning_rate": rate,
            "seed": seed,
            "step": step,
            "lambda_max": sharpness,
            "loss": float(np.mean(loss)),
            "accuracy": float(np.mean((probability > 0.5) == (y > 0.5))),
        }
    )


def at_checkpoints(rate, seed):
    """A Keras callback that measures the sharpness after each update in MLP_CHECKPOINTS."""

    def after_update(batch, logs):
        if batch + 1 in MLP_CHECKPOINTS:
            measure(rate, seed, step=batch + 1)

    return keras.callbacks.LambdaCallback(on_train_batch_end=after_update)


for seed in range(SEEDS):
    start_weights = bgd.initial_weights(seed, n_features=X.shape[1], hidden_units=MLP_UNITS)
    for rate in MLP_RATES:
        model.set_weights(start_weights)
        model.optimizer.learning_rate.assign(rate)
        measure(rate, seed, step=0)
        model.fit(
            every_row,
            steps_per_epoch=MLP_CHECKPOINTS[-1],
            epochs=1,
            verbose=0,
            shuffle=False,
            callbacks=[at_checkpoints(rate, seed)],
        )
network = pd.DataFrame(network)
network["λmax × η / 2"] = network["lambda_max"] * network["learning_rate"] / 2
assert (network["lambda_max"] > 0).all(), "the largest-magnitude eigenvalue is positive: λmax"

# %%
figure, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
sns.lineplot(
    data=network,
    x="step",
    y="λmax × η / 2",
    hue="learning_rate",
    style="learning_rate",
    markers=True,
    palette=palette[: len(MLP_RATES)],
    estimator="median",
    errorbar=("pi", 100),
    ax=ax,
)
ax.axhline(1, color="0.3", linestyle="--", lw=1)
ax.text(MLP_CHECKPOINTS[-1], 0.95, "the limit: λmax = 2/η ", color="0.3", ha="right", va="top")
ax.set_xscale("symlog", linthresh=1)
ax.set(
    xlim=(0, MLP_CHECKPOINTS[-1]),
    xlabel="full-batch updates (log scale from 1 on)",
    ylabel="λmax × η / 2 (log scale)",
    title=f"Sharpness of a network with {MLP_UNITS} hidden units, relative to 2/η\n"
    f"median and range over {SEEDS} seeds",
)
bgd.log_axis(ax, axis="y")  # plain numbers: 0.2, not 2 x 10^-1
ax.set_xticks(MLP_CHECKPOINTS, [str(step) for step in MLP_CHECKPOINTS])  # where we measured
ax.legend(title="learning rate η")
ax.grid(alpha=0.3)

# %% [markdown]
# What goes with the fall? The table gives, at each checkpoint, the medians over the seeds
# of the sharpness relative to $2/\eta$ and of the network's training loss and accuracy.

# %%
fit = network.pivot_table(
    index="step",
    columns="learning_rate",
    values=["λmax × η / 2", "loss", "accuracy"],
    aggfunc="median",
)
fit.style.format("{:.3g}").format_index("η = {:g}", axis=1, level=1)

# %% tags=["hide-input"]
relative = network.pivot_table(
    index=["learning_rate", "seed"], columns="step", values="λmax × η / 2"
)
at_end = network[network["step"] == MLP_CHECKPOINTS[-1]].groupby("learning_rate")
first, last = MLP_CHECKPOINTS[0], MLP_CHECKPOINTS[-1]
slow_rate, fast_rate = min(MLP_RATES), max(MLP_RATES)
for rate in MLP_RATES:
    assert (relative.loc[rate][last] < relative.loc[rate][first]).all(), (
        "the network's sharpness should end lower than it started, for every rate and seed"
    )
    assert relative.loc[rate].max(axis=1).max() < 1, "and stay below 2/η"
network_fall = (relative[first] / relative[last]).groupby("learning_rate").median()
rises = (relative.diff(axis=1) > 0).any(axis=1)  # between two checkpoints, in a run
assert rises.any(), "the fall is not steady"
median_path = relative.groupby("learning_rate").median()
median_rises = [
    (rate, before, after)
    for rate in MLP_RATES
    for before, after in itertools.pairwise(MLP_CHECKPOINTS)
    if median_path.loc[rate, after] > median_path.loc[rate, before]
]
assert median_rises, "the median rises somewhere too"
end_loss, end_accuracy = at_end["loss"], at_end["accuracy"]
assert end_accuracy.min()[fast_rate] == 1.0, "the fast network fits every training row"
assert end_loss.max()[fast_rate] < L_STAR, "below the loss any logistic regression reaches"
assert end_loss.min()[slow_rate] > end_loss.max()[fast_rate], "the slow one is behind"
assert network_fall[fast_rate] > 1.5 * network_fall[slow_rate], "and its sharpness fell less"

# %% tags=["hide-input"]
Markdown(
    "The network shows no progressive sharpening here. At "
    + " and ".join(f"$\\eta = {rate:g}$" for rate in MLP_RATES)
    + " its sharpness stays below $2/\\eta$ and ends lower than it started in every seed, "
    "by a median factor of "
    + " and ".join(f"**{network_fall[rate]:.1f}**" for rate in MLP_RATES)
    + f" between the start and update {last}. The fall is not steady: in {rises.sum()} of the "
    f"{len(rises)} runs the sharpness rises between two checkpoints, and the median rises "
    + " and ".join(
        f"between updates {before} and {after} at $\\eta = {rate:g}$"
        for rate, before, after in median_rises
    )
    + ". What goes with the fall is the fit. At $\\eta = "
    f"{fast_rate:g}$ the hidden layer fits the training rows: after {last} updates every "
    f"seed classifies all of them correctly, with a training loss of "
    f"{end_loss.min()[fast_rate]:.4f} to {end_loss.max()[fast_rate]:.4f}, below the "
    f"$L^* = {L_STAR:.4f}$ that no logistic regression can beat; there the sharpness falls "
    f"most. At $\\eta = {slow_rate:g}$ the loss is still {end_loss.min()[slow_rate]:.3f} to "
    f"{end_loss.max()[slow_rate]:.3f} (accuracy {100 * end_accuracy.min()[slow_rate]:.1f} to "
    f"{100 * end_accuracy.max()[slow_rate]:.0f} %) and the sharpness has fallen less. As the "
    "cross-entropy goes towards 0 the outputs grow confident and the curvature fades, as "
    "Cohen et al. (2021) report for networks trained with the cross-entropy, whose sharpness "
    "falls late in training once the loss is small. They saw progressive sharpening on "
    "image classifiers and on a Transformer language model (WikiText-2), most clearly with "
    "the mean squared error; on this small network, within "
    f"{last} updates, it does not happen."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    "- The Hessian of the logistic loss is $\\frac1n\\sum_i p_i(1-p_i)\\,\\tilde x_i\\tilde "
    "x_i^\\top$: largest at $\\theta = 0$ and flatter wherever the model is confident. Its "
    f"$2/\\lambda_{{\\max}}$ is {limit.loc['standardised', zero]:.2f} (standardised) and "
    f"{limit.loc['raw', zero]:.3f} (raw) at $\\theta = 0$, "
    f"{limit.loc['standardised', initial]:.2f} and {limit.loc['raw', initial]:.2f} at the "
    "seeds' initial weights (median), "
    f"{limit.loc['standardised', at_optimum]:.0f} and {limit.loc['raw', at_optimum]:.2f} "
    "at the optimum.\n"
    "- The limit at $\\theta = 0$ is a guarantee, not the edge: full-batch descent keeps "
    "improving up to about the optimum's limit (best rates "
    f"{best_rate.loc['standardised', full]:g} and {best_rate.loc['raw', full]:g}), because "
    "the first step cuts the sharpness, by a median factor of "
    f"{factor(falls.min())} to {factor(falls.max())} on our paths. After that it approaches "
    "the optimum's value from above at rates below the optimum's limit, at once or after "
    "a rebound.\n"
    f"- With mini-batches of {BATCH_SIZE} the best rates are lower "
    f"({best_rate.loc['standardised', mini]:g} and {best_rate.loc['raw', mini]:g}): between "
    "the two limits, gradient noise, not curvature, decides.\n"
    "- Above the optimum's limit the sharpness rebounds to $2/\\eta$ and hovers at this edge "
    "of stability: settled just below it in most standardised runs, swinging across it in "
    "every raw one. This is a rebound, not the progressive sharpening of Cohen et al., and it is "
    "harmless: the logistic loss's gradient is bounded, so descent does not diverge.\n"
    "- A small network trained at ordinary rates shows no progressive sharpening either: "
    "as it fits its training rows, its sharpness ends lower than it started in every seed."
)

# %% [markdown]
# ## Further reading
#
# - Jeremy Cohen, Simran Kaur, Yuanzhi Li, J. Zico Kolter and Ameet Talwalkar (2021).
#   *Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability.* ICLR
#   2021.
# - Yurii Nesterov (2004). *Introductory Lectures on Convex Optimization: A Basic Course.*
#   Kluwer. Chapter 2: why $\eta < 2/L$ guarantees descent on an $L$-smooth function.
# - Yann LeCun, Léon Bottou, Genevieve Orr and Klaus-Robert Müller (1998). *Efficient
#   BackProp.* In *Neural Networks: Tricks of the Trade*, Springer: the Hessian's
#   eigenvalues, the largest stable rate and why standardising the inputs helps.
# - Jingfeng Wu, Vladimir Braverman and Jason D. Lee (2023). *Implicit Bias of Gradient
#   Descent for Logistic Regression at the Edge of Stability.* NeurIPS 2023: on separable
#   data, gradient descent with any constant rate still minimises the logistic loss, despite
#   the oscillations, while with the exponential loss it can diverge.
