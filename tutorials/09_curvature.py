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
# rate? The Hessian at the start, along the path and at the optimum, against full-batch and
# mini-batch sweeps.**
#
# **What you will learn**
#
# - what the Hessian of the logistic loss is, and why its largest eigenvalue
#   $\lambda_{\max}$ sets the step-size limit $\eta = 2/\lambda_{\max}$ of gradient descent,
#   but only *locally*;
# - that $\lambda_{\max}$ of this problem is not one number: it is largest at $w = 0$,
#   falls by an order of magnitude in the first steps of training and then creeps back up
#   towards its value at the optimum, with raw and with standardised features;
# - where full-batch gradient descent stops improving on a learning-rate sweep, and where
#   mini-batch noise, not curvature, sets the limit first;
# - whether the sharpness rises towards $2/\eta$ during training, the *edge of stability*
#   of Cohen et al. (2021), on this problem and on a small network.

# %%
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
# $2/\lambda_{\max}$ is a *local* limit. We measure it at the start ($\theta = 0$) and at
# the optimum, which `bgd.optimum` finds with Newton's method, for both feature scalings.
# `bgd.hessian_eigenvalues` computes the eigenvalues of the exact Hessian;
# `bgd.lambda_max` finds the largest one by power iteration on Hessian-vector products
# (the method that scales to networks with millions of weights), and the two must agree.

# %%
splits = {name: bgd.split_data(standardize=flag) for name, flag in SCALINGS.items()}
optima = {name: bgd.optimum(split) for name, split in splits.items()}
rows = []
for name, split in splits.items():
    X, y = split.X_train, split.y_train
    opt = optima[name]
    for where, weights, bias in [
        ("start (θ = 0)", np.zeros(X.shape[1]), 0.0),
        ("optimum", opt.weights, opt.bias),
    ]:
        eigenvalues = bgd.hessian_eigenvalues(weights, bias, X, y)
        power = bgd.lambda_max(weights, bias, X, y)
        assert np.isclose(power, eigenvalues[-1], rtol=1e-4), "power iteration = exact"
        rows.append(
            {
                "features": name,
                "where": where,
                "λmax": eigenvalues[-1],
                "λmin": eigenvalues[0],
                "λmax / λmin": eigenvalues[-1] / eigenvalues[0],
                "2 / λmax": 2 / eigenvalues[-1],
            }
        )
curvature = pd.DataFrame(rows).set_index(["features", "where"])
curvature.style.format("{:.3g}")

# %% tags=["hide-input"]
lam = curvature.pivot_table(index="features", columns="where", values="λmax")
limit = curvature.pivot_table(index="features", columns="where", values="2 / λmax")
start, at_optimum = "start (θ = 0)", "optimum"
flattening = lam[start] / lam[at_optimum]
optimum_loss = {name: opt.loss for name, opt in optima.items()}
L_STAR = optimum_loss["standardised"]
assert np.isclose(optimum_loss["raw"], L_STAR, rtol=1e-6), "the same minimum for both scalings"
assert (flattening > 10).all(), "the optimum should be at least 10 times flatter than the start"

# %% tags=["hide-input"]
Markdown(
    f"Both scalings reach the same minimal training loss, $L^* = {L_STAR:.5f}$ (standardising "
    "is an affine change of the weights; it moves the minimum, not its height). Their "
    "curvatures differ a lot. At the start, $2/\\lambda_{\\max}$ is "
    f"**{limit.loc['raw', start]:.3f}** on raw features and "
    f'**{limit.loc["standardised", start]:.2f}** on standardised ones: the "safe rates" of '
    "lesson 5. At the optimum the same limit is "
    f"**{limit.loc['raw', at_optimum]:.2f}** (raw) and "
    f"**{limit.loc['standardised', at_optimum]:.0f}** (standardised): the loss there is "
    f"**{flattening['raw']:.0f}** and **{flattening['standardised']:.0f}** times flatter than "
    "at the start. Since no note can weigh more than at $\\theta = 0$, no point of the loss "
    "is sharper than the start: below the start's $2/\\lambda_{\\max}$ full-batch descent "
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
mean_excess.style.format("{:.2e}")

# %%
figure, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
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
    for where, colour, dash in [(start, palette[2], ":"), (at_optimum, palette[3], "-.")]:
        ax.axvline(limit.loc[name, where], color=colour, linestyle=dash, lw=1.5)
        ax.text(
            limit.loc[name, where],
            0.98,
            f"2/λmax at the {where.split(' ')[0]} ",
            color=colour,
            rotation=90,
            va="top",
            ha="right",
            transform=ax.get_xaxis_transform(),
            fontsize=10,
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="learning rate η (log scale)",
        ylabel="excess training loss L − L* (log scale)",
        title=f"{name} features",
    )
    ax.grid(alpha=0.3)
    ax.legend(title=f"{updates} updates", loc="lower left")
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
    assert best_rate.loc[name, full] > 5 * limit.loc[name, start], (
        "full batch should keep improving far above the start's 2/λmax"
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
    assert first_rise[name] > limit.loc[name, start], "no rise below the start's limit"
    above = ever_rises[name][ever_rises[name].index >= first_rise[name]]
    assert above.all(), "and a rise at every larger rate"
    risen = full_paths[
        (full_paths["features"] == name) & (full_paths["learning_rate"] == first_rise[name])
    ].groupby("seed")["loss"]
    assert (risen.last() < risen.first()).all(), "where the loss first rises, it recovers"

# %% tags=["hide-input"]
Markdown(
    "Full-batch descent keeps improving far beyond the start's $2/\\lambda_{\\max}$: its best "
    f"rate is **{best_rate.loc['standardised', full]:g}** on standardised features "
    f"({best_rate.loc['standardised', full] / limit.loc['standardised', start]:.0f} times "
    f"{limit.loc['standardised', start]:.2f}) and **{best_rate.loc['raw', full]:g}** on raw "
    f"ones ({best_rate.loc['raw', full] / limit.loc['raw', start]:.0f} times "
    f"{limit.loc['raw', start]:.3f}). It stops improving near the *optimum's* limit, "
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
# Why does full-batch descent survive rates far above the start's limit? Follow
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

figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for ax, name in zip(axes, SCALINGS):
    data = paths[paths["features"] == name]
    colours = dict(zip(PATH_RATES[name], palette))
    sns.lineplot(
        data=data,
        x="step",
        y="lambda_max",
        hue="learning_rate",
        palette=colours,
        estimator="median",
        errorbar=("pi", 100),
        ax=ax,
    )
    for rate, colour in colours.items():
        ax.axhline(2 / rate, color=colour, linestyle="--", lw=1)
    ax.axhline(lam.loc[name, at_optimum], color="0.3", linestyle=":", lw=1.5)
    ax.text(1, lam.loc[name, at_optimum], " λmax at the optimum", color="0.3", va="bottom")
    ax.set_xscale("symlog", linthresh=1)
    ax.set(
        xlim=(0, PATH_STEPS),
        yscale="log",
        xlabel="full-batch updates (log scale from 1 on)",
        ylabel="λmax of the Hessian (log scale)",
        title=f"{name} features",
    )
    ax.legend(title="η (dashed: 2/η)")
    ax.grid(alpha=0.3)
figure.suptitle(
    f"Sharpness along full-batch descent; lines: median, bands: range over {SEEDS} seeds",
    fontsize="medium",
)
plt.show()

# %%
summary = paths.groupby(["features", "learning_rate", "seed"]).agg(
    start=("lambda_max", "first"),
    lowest=("lambda_max", "min"),
    end=("lambda_max", "last"),
    final_loss=("loss", "last"),
)
summary["end × η/2"] = summary["end"] * summary.index.get_level_values("learning_rate") / 2
summary["rise from lowest"] = summary["end"] / summary["lowest"]
by_rate = summary.groupby(["features", "learning_rate"]).median()
by_rate.style.format("{:.3g}")

# %% tags=["hide-input"]
falls = by_rate["start"] / by_rate["lowest"]
for name in SCALINGS:
    small, large = PATH_RATES[name][0], PATH_RATES[name][-1]
    assert (falls.loc[name] > 5).all(), "the sharpness should first fall more than 5 times"
    assert 2 / large < lam.loc[name, at_optimum], "the largest rate cannot settle at the optimum"
    assert 0.7 < by_rate.loc[(name, large), "end × η/2"] < 1.6, (
        "at the largest rate the sharpness should end near 2/η: the edge of stability"
    )
    assert by_rate.loc[(name, large), "rise from lowest"] > 2, "after rising from its lowest"
    assert by_rate.loc[(name, small), "end × η/2"] < 0.6, "a small rate ends well below 2/η"
    assert np.isfinite(summary.loc[name]["final_loss"]).all(), "no path diverges"

# %% tags=["hide-input"]
s_large = {name: by_rate.loc[(name, PATH_RATES[name][-1])] for name in SCALINGS}
s_small = {name: by_rate.loc[(name, PATH_RATES[name][0])] for name in SCALINGS}
Markdown(
    "The seeds' random starting weights are already a little flatter than $\\theta = 0$ "
    f"(median $\\lambda_{{\\max}}$ {by_rate.loc['standardised', 'start'].median():.3f} "
    f"against {lam.loc['standardised', start]:.3f} standardised, "
    f"{by_rate.loc['raw', 'start'].median():.2f} against {lam.loc['raw', start]:.1f} raw). "
    "From there the sharpness first *falls*, by a median factor of "
    f"{falls.min():.0f} to {falls.max():.0f}: the first steps make the model confident on "
    "most notes, and confident notes hardly curve the loss. That is why rates far above the "
    "start's limit survive: the steep start is left behind in a few steps. What happens next "
    "depends on the rate. At the small rates the sharpness ends well below the rate's limit "
    f"($\\lambda_{{\\max}}\\,\\eta/2$ = {s_small['standardised']['end × η/2']:.2f} at "
    f"$\\eta = {PATH_RATES['standardised'][0]}$, standardised, and "
    f"{s_small['raw']['end × η/2']:.2f} at $\\eta = {PATH_RATES['raw'][0]}$, raw). At the "
    "largest rates the optimum is too sharp to be reached, $2/\\eta < "
    "\\lambda_{\\max}(\\theta^*)$. There the first steps throw the weights far into a flat "
    "region, and from there the sharpness *rises*, by a median factor of "
    f"{s_large['standardised']['rise from lowest']:.0f} (standardised) and "
    f"{s_large['raw']['rise from lowest']:.0f} (raw), until it meets $2/\\eta$ and stays "
    "near it: the median of $\\lambda_{\\max}\\,\\eta/2$ at the end is "
    f"**{s_large['standardised']['end × η/2']:.2f}** (standardised, "
    f"$\\eta = {PATH_RATES['standardised'][-1]}$) and "
    f"**{s_large['raw']['end × η/2']:.2f}** (raw, $\\eta = {PATH_RATES['raw'][-1]}$). This is "
    "what Cohen et al. (2021) call progressive sharpening up to the *edge of stability*: "
    "descent cannot settle at the optimum, which is sharper than $2/\\eta$, yet it does not "
    "diverge either. On this convex problem "
    "we see it only at rates too large for the optimum; at ordinary rates the sharpness "
    "stays below $2/\\eta$."
)

# %% [markdown]
# ## A small network
#
# Does a network with a hidden layer behave the same? We train the model of
# [lesson 3](03_first_model.py) with `MLP_UNITS` hidden ReLU units by full-batch gradient
# descent in Keras, from each seed's initial weights, and a callback measures its sharpness
# during `fit` at a few checkpoints with `bgd.sharpness`, which runs power iteration on
# Hessian-vector products of the Keras model (computed by differentiating twice; the Hessian
# itself is never formed).

# %%
split = splits["standardised"]
X, y = split.X_train, split.y_train
every_row = tf.data.Dataset.from_tensors((X, y)).repeat()  # one full batch per update
model = bgd.build_model(hidden_units=MLP_UNITS, optimizer="sgd", seed=0)
network = []


def measure(rate, seed, step):
    """Record the network's sharpness now, after `step` full-batch updates."""
    sharpness = bgd.sharpness(model, X, y, tol=1e-3)
    network.append({"learning_rate": rate, "seed": seed, "step": step, "lambda_max": sharpness})


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

# %% tags=["hide-input"]
relative = network.pivot_table(
    index=["learning_rate", "seed"], columns="step", values="λmax × η / 2"
)
first, last = MLP_CHECKPOINTS[0], MLP_CHECKPOINTS[-1]
for rate in MLP_RATES:
    assert (relative.loc[rate][last] < relative.loc[rate][first]).all(), (
        "the network's sharpness should fall over training, for every rate and seed"
    )
    assert relative.loc[rate].max(axis=1).max() < 1, "and stay below 2/η"
network_fall = (relative[first] / relative[last]).groupby("learning_rate").median()

# %% tags=["hide-input"]
Markdown(
    "The network shows no progressive sharpening here. At "
    + " and ".join(f"$\\eta = {rate:g}$" for rate in MLP_RATES)
    + " its sharpness falls over training in every seed, by a median factor of "
    + " and ".join(f"**{network_fall[rate]:.1f}**" for rate in MLP_RATES)
    + f" between the start and update {last}, and stays below $2/\\eta$. The reason is the "
    "one we met with logistic regression: these notes can be separated, so the "
    "cross-entropy keeps pushing the outputs to be more confident, and confident outputs "
    "flatten the loss. Cohen et al. saw sharpening on image networks, most clearly with the "
    "mean squared error and before the training loss became small; on this small, "
    "separable problem it does not happen."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    "- The Hessian of the logistic loss is $\\frac1n\\sum_i p_i(1-p_i)\\,\\tilde x_i\\tilde "
    "x_i^\\top$: largest at $\\theta = 0$ and flatter wherever the model is confident. Its "
    f"$2/\\lambda_{{\\max}}$ is {limit.loc['standardised', start]:.2f} (standardised) and "
    f"{limit.loc['raw', start]:.3f} (raw) at the start, "
    f"{limit.loc['standardised', at_optimum]:.0f} and {limit.loc['raw', at_optimum]:.2f} "
    "at the optimum.\n"
    "- The start's limit is a guarantee, not the edge: full-batch descent keeps improving up "
    f"to about the optimum's limit (best rates {best_rate.loc['standardised', full]:g} and "
    f"{best_rate.loc['raw', full]:g}), because the sharpness falls by a factor of "
    f"{falls.min():.0f} or more (median) in the first steps.\n"
    f"- With mini-batches of {BATCH_SIZE} the best rates are lower "
    f"({best_rate.loc['standardised', mini]:g} and {best_rate.loc['raw', mini]:g}): between "
    "the two limits, gradient noise, not curvature, decides.\n"
    "- Above the optimum's limit full-batch descent hovers at the edge of stability, "
    "$\\lambda_{\\max} \\approx 2/\\eta$, without diverging. A small network trained at "
    "ordinary rates shows no progressive sharpening: its sharpness only falls."
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
