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
# # Finding a learning rate without a grid
#
# **One short run with a rising learning rate instead of a grid of full trainings: the
# learning-rate range test, checked against a grid search for SGD and Adam, and warm-up
# explained by the curvature of the start.**
#
# **What you will learn**
#
# - how the learning-rate range test of Smith (2017) works: one run in which the rate rises
#   exponentially, the loss drawn against the rate;
# - the rule it gives for choosing a rate, and how close that rate comes to the best rate of
#   a grid search, chosen on validation rows and checked on fresh seeds, for SGD and Adam;
# - why a warm-up (a rate that starts small and rises) can help, measured with the sharpness
#   of [lesson 9](09_curvature.py), and whether it helps here.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

SEEDS = 10  # seeds 0 to 9: the range tests, and choosing on the grid
FRESH_SEEDS = list(range(100, 110))  # seeds for the final comparison, never used to choose
OPTIMIZERS = ["sgd", "adam"]
RULES = ["steepest", "minimum"]  # the two rules of bgd.suggest_learning_rate
RANGE_STEPS = 100  # updates of one range test
MIN_LR, MAX_LR = 1e-4, 100.0  # the range the test sweeps
BATCH_SIZE = 32
EPOCHS = 10
VALIDATION_SIZE = 0.2  # share of the training rows kept aside for choosing
GRID_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
WARMUP_RATES = [10, 30, 100]  # peak rates of the warm-up comparison (SGD)
WARMUP_STEPS = 30  # full-batch updates over which we follow the sharpness
palette = sns.color_palette("colorblind")

# %% [markdown]
# ## The range test
#
# A grid search trains a model to the end for every rate of a grid: [lesson 8](08_optimizers.py)
# trained hundreds of runs to pick one rate per optimizer. Smith (2017) proposed a shortcut: train
# once, for a hundred updates or so, and raise the learning rate at every update, exponentially
# from a tiny $\eta_{\min}$ to a huge $\eta_{\max}$,
#
# $$\eta_t = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{t/(T-1)},
# \qquad t = 0, \dots, T-1 .$$
#
# Drawn against the rate, the loss tells a story. At first the rate is too small to change
# anything and the loss stays flat; then it falls, faster and faster; then the steps become
# too large and the loss turns and shoots up. The useful rates are where it falls.
# `bgd.lr_range_test` runs the test, recording the loss of each batch before its update
# and a smoothed version of it (an exponential moving average), and stops once the
# smoothed loss has grown to four times its lowest value. We keep a validation part of the
# training rows aside, as the grid search below will, and run the test on the rest, for
# each of the `SEEDS` seeds and both optimizers: given a list of seeds, one call runs one
# test per seed, all trained at once. The figure shows one of these tests.

# %%
data = bgd.split_data(validation_size=VALIDATION_SIZE)
tests = pd.concat(
    [
        bgd.lr_range_test(
            optimizer=name,
            min_lr=MIN_LR,
            max_lr=MAX_LR,
            steps=RANGE_STEPS,
            batch_size=BATCH_SIZE,
            data=data,
            seed=list(range(SEEDS)),
        )
        for name in OPTIMIZERS
    ],
    ignore_index=True,
)
one_test = tests[(tests["optimizer"] == "sgd") & (tests["seed"] == 0)]
ax = bgd.plot_lr_range(one_test, title=f"One range test: SGD, batch size {BATCH_SIZE}, seed 0")
one_test.head()

# %% [markdown]
# ## The rule
#
# `bgd.suggest_learning_rate` turns the curve into one number, by one of two rules:
#
# - **steepest**: the rate where the smoothed loss falls fastest per decade of rate; Smith
#   reads the good range off the falling part of the curve, and this is its steepest point;
# - **minimum**: a tenth of the rate at which the smoothed loss is lowest (at the minimum
#   the rate is already nearly too large; a tenth of it is the usual cautious choice).
#
# A single range test is one seed, with one initial point and one order of batches. Given
# the frame of many tests, `bgd.suggest_learning_rate` returns one suggestion per test,
# indexed here by optimizer and seed. Here is how much they move from seed to seed.

# %%
suggested = pd.DataFrame(
    {rule: bgd.suggest_learning_rate(tests, rule=rule) for rule in RULES}
).reset_index()
suggestion = suggested.groupby("optimizer", sort=False)[RULES].median()
spread = suggested.groupby("optimizer", sort=False)[RULES].agg(lambda r: r.max() / r.min())
pd.concat({"median over seeds": suggestion, "largest / smallest": spread}, axis=1).round(3)

# %%
figure, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for ax, name in zip(axes, OPTIMIZERS):
    sns.lineplot(
        data=tests[tests["optimizer"] == name],
        x="learning_rate",
        y="smoothed_loss",
        units="seed",
        estimator=None,
        color=palette[0],
        alpha=0.5,
        lw=1,
        ax=ax,
    )
    for rule, colour, dash in zip(RULES, palette[1:3], ["--", ":"]):
        ax.axvline(
            suggestion.loc[name, rule], color=colour, ls=dash, lw=2, label=f"{rule} rule (median)"
        )
    ax.set(
        xscale="log",
        xlabel="learning rate η (log scale)",
        ylabel="smoothed training loss (log scale)",
        title=f"{name}: {SEEDS} range tests, one line per seed",
    )
    bgd.log_axis(ax, axis="y")
    ax.grid(alpha=0.3)
figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
plt.show()

# %% [markdown]
# ## Checked against a grid search
#
# Is the suggested rate any good? We compare it with the best rate of a grid search done
# as lesson 8 does it, but choosing on held-out rows: every rate of `GRID_RATES` is trained
# for `EPOCHS` epochs with the `SEEDS` seeds, and the rate with the lowest mean loss of the
# final weights on the *validation* rows (never trained on) wins.

# %%
grid = bgd.sweep(
    {"optimizer": OPTIMIZERS, "learning_rate": GRID_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    validation_size=VALIDATION_SIZE,
)
validation = bgd.final_values(grid, split="validation", metric="loss")
grid_loss = validation.pivot_table(
    index="optimizer", columns="learning_rate", values="value", aggfunc="mean"
).loc[OPTIMIZERS]
grid_best = grid_loss.idxmin(axis=1)
assert all(GRID_RATES[0] < grid_best[name] < GRID_RATES[-1] for name in OPTIMIZERS), (
    "the grid's best rate should lie inside the grid"
)
grid_loss.style.format("{:.4f}").format_index("{:g}", axis=1).highlight_min(
    axis=1, props="font-weight: bold"
)

# %%
figure, axes = plt.subplots(1, 2, figsize=(10, 5), layout="constrained")
for ax, name in zip(axes, OPTIMIZERS):
    sns.lineplot(
        data=validation[validation["optimizer"] == name],
        x="learning_rate",
        y="value",
        marker="o",
        color=palette[0],
        errorbar=bgd.BootstrapCI(95),  # seaborn's ("ci", 95) interval, faster
        label=f"grid: mean over {SEEDS} seeds, 95 % bootstrap interval",
        ax=ax,
    )
    for rule, colour, dash in zip(RULES, palette[1:3], ["--", ":"]):
        ax.axvline(
            suggestion.loc[name, rule],
            color=colour,
            ls=dash,
            lw=2,
            label=f"range test: {rule} rule",
        )
    ax.axvline(grid_best[name], color="0.3", lw=1, label="grid: best rate")
    ax.set(
        xscale="log",
        xlabel="learning rate η (log scale)",
        ylabel="validation loss of the final weights (log scale)",
        title=f"{name}: grid search and range test, {EPOCHS} epochs",
    )
    bgd.log_axis(ax, axis="y")
    ax.get_legend().remove()
    ax.grid(alpha=0.3)
figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
plt.show()

# %% [markdown]
# Now the final check, on seeds that played no part in either choice (`FRESH_SEEDS`):
# each optimizer trained at the grid's rate and at the median suggestion of each rule,
# paired by seed and compared by the validation loss of the final weights with
# `bgd.compare` (mean paired difference from the grid's rate, its standard error, and a
# paired-bootstrap 95 % interval).

# %%
candidates = {
    name: {"grid": float(grid_best[name])}
    | {rule: float(suggestion.loc[name, rule]) for rule in RULES}
    for name in OPTIMIZERS
}
final_runs = pd.concat(
    [
        bgd.sweep(
            {"learning_rate": sorted(set(candidates[name].values()))},
            seeds=FRESH_SEEDS,
            epochs=EPOCHS,
            batch_size=BATCH_SIZE,
            optimizer=name,
            validation_size=VALIDATION_SIZE,
        )
        for name in OPTIMIZERS
    ],
    ignore_index=True,
)
rows = []
for name in OPTIMIZERS:
    runs = final_runs[final_runs["optimizer"] == name]
    result = bgd.compare(
        runs, by="learning_rate", baseline=candidates[name]["grid"], split="validation"
    ).set_index("learning_rate")
    for rule in RULES:
        rate = candidates[name][rule]
        row = result.loc[rate] if rate in result.index else None
        rows.append(
            {
                "optimizer": name,
                "rule": rule,
                "suggested rate": rate,
                "grid's rate": candidates[name]["grid"],
                "rate / grid's": rate / candidates[name]["grid"],
                "validation loss": row["mean"] if row is not None else np.nan,
                "grid's validation loss": row["baseline_mean"] if row is not None else np.nan,
                "difference": row["difference"] if row is not None else 0.0,
                "difference_low": row["difference_low"] if row is not None else 0.0,
                "difference_high": row["difference_high"] if row is not None else 0.0,
            }
        )
checked = pd.DataFrame(rows).set_index(["optimizer", "rule"])
checked.round(4)

# %% tags=["hide-input"]
ratio = checked["rate / grid's"]
low, high = checked["difference_low"], checked["difference_high"]
assert spread["steepest"].max() > 3, "one range test alone should be unreliable"
assert ((ratio > 1 / 10) & (ratio < 10)).all(), "every suggestion within 10x of the grid's rate"
assert (ratio.loc["sgd"] < 1).all(), "for SGD both rules should suggest less than the grid"
assert (low.loc["sgd"] > 0).all(), "and, on fresh seeds, end significantly worse than it"
assert (low.loc["adam"] < 0).all(), "for Adam neither rule should be significantly worse"

# %% tags=["hide-input"]
Markdown(
    "A single range test is not to be trusted: over the seeds the steepest-rule "
    "suggestion moves by a factor of up to "
    + " and ".join(f"**{spread.loc[name, 'steepest']:.0f}** ({name})" for name in OPTIMIZERS)
    + ", the minimum rule by up to "
    + " and ".join(f"{spread.loc[name, 'minimum']:.0f}" for name in OPTIMIZERS)
    + ". Their medians land within a factor of "
    f"{max(ratio.max(), 1 / ratio.min()):.0f} of the grid's rate, the right decade, "
    "but not always the right rate. "
    f"For SGD the grid chose **{candidates['sgd']['grid']:g}**, and both rules suggest "
    f"less (**{candidates['sgd']['steepest']:.2g}** and "
    f"**{candidates['sgd']['minimum']:.2g}**); on the fresh seeds their validation loss "
    f"is higher by {checked.loc[('sgd', 'steepest'), 'difference']:.4f} and "
    f"{checked.loc[('sgd', 'minimum'), 'difference']:.4f}, intervals clear of zero. For "
    f"Adam the grid chose **{candidates['adam']['grid']:g}**, the rules "
    f"**{candidates['adam']['steepest']:.2g}** and **{candidates['adam']['minimum']:.2g}**, "
    "and on the fresh seeds neither is significantly worse than the grid's rate (the "
    f"differences are {checked.loc[('adam', 'steepest'), 'difference']:+.4f} and "
    f"{checked.loc[('adam', 'minimum'), 'difference']:+.4f}). The test watches only the "
    f"first {RANGE_STEPS} updates, while the grid judges the end of {EPOCHS} epochs, and "
    "the next section shows that the start is the sharpest part of the run. The test cost "
    f"{RANGE_STEPS} updates per seed; the grid {len(GRID_RATES)} full trainings of "
    f"{int(grid['step'].max())} updates per seed."
)

# %% [markdown]
# ## Warm-up, and the curvature of the start
#
# Many training recipes do not start at their full learning rate but raise it over the
# first updates: a *warm-up* (Goyal et al., 2017). Lesson 9 suggests why it might help:
# the largest stable rate is $2/\lambda_{\max}$, and if the loss is sharper at the start
# than later, a rate that is safe later can be too large for the first steps; Gilmer et
# al. (2022) found warm-up working exactly this way in deep networks. Which way does it go
# here? We follow $\lambda_{\max}$ along full-batch descent from each seed's start, at a
# rate below every limit, so that the path itself is calm.

# %%
early = bgd.full_batch_descent(
    data, learning_rate=1.0, steps=WARMUP_STEPS, seed=list(range(SEEDS)), track_lambda_max=True
)
by_seed = early.groupby("seed")["lambda_max"]
start_limit = 2 / bgd.lambda_max(np.zeros(data.X_train.shape[1]), 0.0, data.X_train, data.y_train)
sharper_at_start = (by_seed.first() / by_seed.last()).median()
assert (by_seed.first() > by_seed.last()).all(), "every seed should start sharper than it goes on"

# %% tags=["hide-input"]
Markdown(
    f"In every seed the loss is sharpest at the start: after {WARMUP_STEPS} full-batch "
    f"updates $\\lambda_{{\\max}}$ is a median **{sharper_at_start:.1f}** times smaller "
    "than at the initial weights. So the curvature argument for warm-up applies here: the "
    "first steps face the sharpest part of the loss."
)

# %% [markdown]
# Does it pay? SGD at the peak rates of `WARMUP_RATES`, with the package's
# `warmup_cosine` schedule (the rate rises linearly over the first tenth of training, then
# follows a cosine down to 0) against the `cosine` schedule (the same cosine from the first
# update, no warm-up), paired by seed, by the loss of the final weights on the training rows.

# %%
warmup = bgd.sweep(
    {"schedule": ["cosine", "warmup_cosine"], "learning_rate": WARMUP_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    optimizer="sgd",
)
warmup_effect = bgd.compare(warmup, by="schedule", baseline="cosine").set_index("learning_rate")
warmup_effect[
    ["baseline_mean", "mean", "difference", "difference_low", "difference_high", "n_diverged"]
].rename(columns={"baseline_mean": "cosine", "mean": "warm-up + cosine"}).round(4)

# %% tags=["hide-input"]
assert (warmup_effect["n_diverged"] == 0).all(), "no run diverges, with or without warm-up"
assert (warmup_effect["difference_high"] > 0).all(), "warm-up lowers the loss at no rate"
worse = warmup_effect.index[warmup_effect["difference_low"] > 0].tolist()

# %% tags=["hide-input"]
Markdown(
    "Here warm-up does not pay. At no peak rate does it lower the final training loss by "
    "more than the seeds' noise: every 95 % interval of the paired difference reaches above "
    "zero"
    + (
        f", and at {' and '.join(f'{rate:g}' for rate in worse)} it is slightly but clearly "
        "worse (the warm-up spends a tenth of the run at reduced rates)"
        if worse
        else ""
    )
    + ". No run diverged without it, even at "
    f"$\\eta = {WARMUP_RATES[-1]}$, far above the limit $2/\\lambda_{{\\max}}$ = "
    f"{start_limit:.2f} at $w = 0$: as [lesson 9](09_curvature.py) "
    "showed, when this convex loss overshoots in its first steps it recovers by itself, "
    "because the sharpness falls as the model grows confident. The start is sharper, as the "
    "argument for warm-up assumes, but on this problem the sharp start costs nothing that a "
    "warm-up would save. Warm-up earns its place where an early overshoot is not undone so "
    "easily: Gilmer et al. (2022) found deep networks whose initial sharpness makes a large "
    "first rate diverge, and a warm-up that lets the sharpness fall before the rate rises."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- The range test costs {RANGE_STEPS} updates per seed instead of a grid of full "
    "trainings, and draws the whole range of rates at once; but one test is noisy (its "
    f"suggestion moves by up to {spread['steepest'].max():.0f}× between seeds): take the "
    "median of several.\n"
    f"- Its suggestions land within a factor of {max(ratio.max(), 1 / ratio.min()):.0f} of "
    "the rate a validation grid search chooses. For Adam they are as good as the grid's "
    f"rate on fresh seeds; for SGD they are too small ({candidates['sgd']['steepest']:.2g} "
    f"and {candidates['sgd']['minimum']:.2g} against {candidates['sgd']['grid']:g}) and "
    "end measurably worse. A likely reason: the test sees only the start of training, "
    "where the loss is "
    f"sharpest ({sharper_at_start:.1f}× sharper than {WARMUP_STEPS} updates later), and "
    "a whole run tolerates larger rates. Use it to find the decade, and a short grid "
    "around it to find the rate.\n"
    "- Warm-up follows the same curvature argument, but here it brings nothing measurable: "
    "the loss recovers from an early overshoot by itself."
)

# %% [markdown]
# ## Further reading
#
# - Leslie N. Smith (2017). *Cyclical Learning Rates for Training Neural Networks.* IEEE
#   Winter Conference on Applications of Computer Vision (WACV).
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677.
# - Justin Gilmer, Behrooz Ghorbani, Ankush Garg, Sneha Kudugunta, Behnam Neyshabur, David
#   Cardoze, George Dahl, Zachary Nado and Orhan Firat (2022). *A Loss Curvature Perspective
#   on Training Instability in Deep Learning.* ICLR 2022.
# - Jeremy Cohen, Simran Kaur, Yuanzhi Li, J. Zico Kolter and Ameet Talwalkar (2021).
#   *Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability.* ICLR
#   2021.
