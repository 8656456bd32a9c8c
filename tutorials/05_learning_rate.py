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
# # Learning rate
#
# **How big a step should gradient descent take? A sweep over the learning rate, run with
# many seeds, on standardised and on raw features.**
#
# **What you will learn**
#
# - how the learning rate $\eta$ in $w \leftarrow w - \eta \nabla L(w)$ changes the speed of
#   training, measured over many seeds instead of one run per rate;
# - why a figure with one run per learning rate can rank the rates wrongly;
# - why the same learning rate can be calm on standardised features and noisy on raw ones,
#   and how to predict it from the scale of the features.
#
# The model is the logistic regression of the previous lessons (one dense unit with a
# sigmoid), trained with plain stochastic gradient descent (SGD) with the course's settings:
# mini-batches of `BATCH_SIZE` banknotes for `EPOCHS` epochs (set in the first cell).

# %%
import itertools

import numpy as np
import pandas as pd
from IPython.display import Markdown

import banknote_gd as bgd

LEARNING_RATES = [0.01, 0.05, 0.1, 0.5]  # the course's sweep
LARGER_RATES = [1.0, 2.0]  # beyond the course, for the raw features
BATCH_SIZE = 16
EPOCHS = 10
SEEDS = 20  # seeds 0 to 19: initial weights and batch order


def mean_sd(values: pd.Series) -> str:
    """'mean ± sd' of the values, to three decimals."""
    return f"{values.mean():.3f} ± {values.std():.3f}"


# %% [markdown]
# ## The sweep: the course's four learning rates, many seeds each
#
# `bgd.sweep` trains every learning rate once per seed (`SEEDS` of them). A seed fixes the
# initial weights and the order in which the banknotes are visited, and each seed is used for
# every learning rate, so the rates are compared on the same starts. The features are
# standardised (mean 0, standard deviation 1, with the scaler fitted on the training rows),
# as in the course.

# %%
standardised = bgd.sweep(
    {"learning_rate": LEARNING_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    batch_size=BATCH_SIZE,
    standardize=True,
)
standardised.head()

# %% [markdown]
# The frame is long: one row per learning rate, seed, epoch, split (`train` or `test`) and
# metric (`loss` or `accuracy`). `bgd.plot_sweep` draws one line per learning rate: the mean
# over the seeds, with a band that holds the mean in 95 % of bootstrap resamples of the seeds.

# %%
grid = bgd.plot_sweep(standardised, hue="learning_rate", split="train")

# %% [markdown]
# ## The conclusion in numbers
#
# The final training loss (the mean binary cross-entropy over the batches of the last epoch)
# and the accuracy on the held-out test rows after the last epoch, as mean ± standard
# deviation over the seeds:

# %%
last_epoch = standardised[standardised["epoch"] == EPOCHS]
final_train_loss = last_epoch[
    (last_epoch["split"] == "train") & (last_epoch["metric"] == "loss")
].pivot_table(index="seed", columns="learning_rate", values="value")
final_test_accuracy = last_epoch[
    (last_epoch["split"] == "test") & (last_epoch["metric"] == "accuracy")
].pivot_table(index="seed", columns="learning_rate", values="value")

summary = pd.DataFrame(
    {
        "final training loss": final_train_loss.agg(mean_sd),
        "final test accuracy": final_test_accuracy.agg(mean_sd),
    }
)
summary.index.name = "learning rate"
summary

# %%
mean_loss = final_train_loss.mean()
assert mean_loss.is_monotonic_decreasing, "a larger rate should end with a lower mean loss"
assert final_test_accuracy.mean().is_monotonic_increasing, "and a higher mean test accuracy"

# %% tags=["hide-input"]
smallest, largest = LEARNING_RATES[0], LEARNING_RATES[-1]
Markdown(
    f"In {EPOCHS} epochs every larger learning rate ends lower. At $\\eta = {smallest}$ the "
    f"training loss is still **{mean_loss[smallest]:.3f}** and the model classifies "
    f"**{100 * final_test_accuracy[smallest].mean():.1f} %** of the test notes correctly; at "
    f"$\\eta = {largest}$ the loss is **{mean_loss[largest]:.3f}** and the test accuracy "
    f"**{100 * final_test_accuracy[largest].mean():.1f} %**. The smallest rate is not "
    f"*wrong*, it is slow: its steps are "
    f"{largest / smallest:.0f} times shorter, and {EPOCHS} epochs are not enough for them."
)

# %% [markdown]
# ## Why one run per learning rate can mislead
#
# The original course drew one run per learning rate. The spread across seeds above says
# how much a single run can vary: look at the range of the final test accuracy over the
# seeds, for each rate.

# %%
spread = pd.DataFrame(
    {
        "worst seed": final_test_accuracy.min(),
        "best seed": final_test_accuracy.max(),
        "range": final_test_accuracy.max() - final_test_accuracy.min(),
    }
)
spread.index.name = "learning rate"
spread.round(3)

# %% [markdown]
# A one-run-per-rate figure compares two single runs, each from its own random start. Take
# every pair of seeds (one run for each rate) and look at the gap in test accuracy that such
# a pair would report between two neighbouring rates, next to the gap between the means:

# %%
pairs = {}
for slower, faster in itertools.pairwise(LEARNING_RATES):
    slow_runs = final_test_accuracy[slower].to_numpy()
    fast_runs = final_test_accuracy[faster].to_numpy()
    gaps = 100 * (fast_runs[None, :] - slow_runs[:, None])  # percentage points, all pairs
    pairs[f"{slower} → {faster}"] = {
        "gap of the means": gaps.mean(),
        "smallest single-run gap": gaps.min(),
        "largest single-run gap": gaps.max(),
        "share of pairs: slower rate ahead": np.mean(gaps < 0),
        "share of pairs: tie": np.mean(gaps == 0),
    }
pairs = pd.DataFrame(pairs).T
pairs.index.name = "rates compared"
pairs.round(2)

# %%
assert spread.loc[smallest, "range"] > 10 * spread.loc[largest, "range"], (
    "the smallest rate should vary far more across seeds than the largest"
)
first_pair = pairs.iloc[0]
single_run_range = first_pair["largest single-run gap"] - first_pair["smallest single-run gap"]
assert single_run_range > 2 * first_pair["gap of the means"], "single-run gaps should vary a lot"
first_wrong = first_pair["share of pairs: slower rate ahead"] + first_pair["share of pairs: tie"]
assert first_wrong < 0.05, "single runs should rarely put 0.01 level with or ahead of 0.05"
last_pair = pairs.iloc[-1]
level_or_ahead = last_pair["share of pairs: slower rate ahead"] + last_pair["share of pairs: tie"]
assert level_or_ahead > 0.5, "single runs at the two largest rates should mostly not separate them"

# A seed on which the slowest rate looks best compared with the next one: the single-run
# figure a reader could have been shown.
lucky_seed = int((final_test_accuracy[smallest] - final_test_accuracy[LEARNING_RATES[1]]).idxmax())

# %% tags=["hide-input"]
if spread.loc[largest, "range"] == 0:
    largest_text = f"all {SEEDS} seeds end with exactly the same test accuracy"
else:
    largest_text = (
        f"all {SEEDS} seeds end within {100 * spread.loc[largest, 'range']:.1f} percentage "
        "points of each other"
    )
Markdown(
    f"At $\\eta = {smallest}$ the test accuracy of a single run lies anywhere between "
    f"**{100 * spread.loc[smallest, 'worst seed']:.1f} %** and "
    f"**{100 * spread.loc[smallest, 'best seed']:.1f} %**, depending only on the seed; at "
    f"$\\eta = {largest}$ {largest_text}. So a single pair of runs at {smallest} and "
    f"{LEARNING_RATES[1]} could report the gap between them as anything from "
    f"**{first_pair['smallest single-run gap']:.1f}** to "
    f"**{first_pair['largest single-run gap']:.1f}** percentage points (the means differ by "
    f"{first_pair['gap of the means']:.1f}). The order of those two rates is wrong or a tie in "
    f"only {100 * first_wrong:.0f} % of the pairs, but "
    "the size of the gap, which is what the figure is read for, is mostly seed. At the other "
    f"end, {LEARNING_RATES[-2]} and {largest} differ by only "
    f"{last_pair['gap of the means']:.2f} points on average, and in "
    f"**{100 * level_or_ahead:.0f} %** "
    "of the pairs a single run at the smaller rate is level with or ahead of the larger one. "
    f"Small rates depend strongly on where training starts, because after {EPOCHS} epochs they "
    "have not yet forgotten their start. Here is the figure that seed "
    f"{lucky_seed} alone would give:"
)

# %%
grid = bgd.plot_sweep(
    standardised[standardised["seed"] == lucky_seed],
    hue="learning_rate",
    split="train",
    title=f"One run per learning rate (seed {lucky_seed} only)",
)

# %% [markdown]
# Compare it with the first figure: with a single seed there is no band, so nothing on the
# figure tells you which differences are real and which come from the seed. The rest of the
# course always trains several seeds and shows the band.

# %% [markdown]
# ## Raw features
#
# What if the features are not standardised? The raw features have very different spreads:

# %%
raw_split = bgd.split_data(standardize=False)
raw_features = pd.DataFrame(raw_split.X_train, columns=raw_split.feature_names)
raw_features.agg(["mean", "std", "min", "max"]).round(2)

# %% [markdown]
# The same sweep on the raw features, with the larger rates of `LARGER_RATES` added to see
# what happens beyond the course's range:

# %%
raw = bgd.sweep(
    {"learning_rate": LEARNING_RATES + LARGER_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    batch_size=BATCH_SIZE,
    standardize=False,
)
course_raw = raw[raw["learning_rate"].isin(LEARNING_RATES)]
grid = bgd.plot_sweep(course_raw, hue="learning_rate", log_y=True)

# %% [markdown]
# Two things stand out. First, every rate of the course ends with a *lower* training loss on
# raw features than on standardised ones (compare the tables). Second, at $\eta = 0.5$ the
# training loss no longer falls smoothly: it wobbles from epoch to epoch. To measure this,
# the table below compares both feature scalings at every rate, over the seeds:
#
# - **epochs with a rising loss**: the share of epoch-to-epoch changes (from epoch 2 on) in
#   which a run's training loss went *up*; plain gradient descent with a small enough step
#   only goes down, so this counts oscillation;
# - **final training loss** and its standard deviation over the seeds;
# - **final test accuracy**, mean and worst seed;
# - **diverged runs** (the loss became NaN or infinite).

# %%
more_standardised = bgd.sweep(
    {"learning_rate": LARGER_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    batch_size=BATCH_SIZE,
    standardize=True,
)
both = pd.concat([standardised, more_standardised, raw], ignore_index=True)
both["features"] = both["standardize"].map({True: "standardised", False: "raw"})
runs = ["features", "learning_rate", "seed"]

train_loss = both[(both["split"] == "train") & (both["metric"] == "loss")].sort_values(
    [*runs, "epoch"]
)
change = train_loss.groupby(runs)["value"].diff()
rising = (change > 0).groupby([train_loss[c] for c in runs]).mean()
final = both[both["epoch"] == EPOCHS].pivot_table(
    index=runs, columns=["split", "metric"], values="value"
)
per_run = pd.DataFrame(
    {
        "rising": rising,
        "loss": final[("train", "loss")],
        "accuracy": final[("test", "accuracy")],
        "diverged": both.groupby(runs)["diverged"].any(),
    }
)
comparison = per_run.groupby(["features", "learning_rate"]).agg(
    epochs_with_rising_loss=("rising", "mean"),
    final_training_loss=("loss", "mean"),
    loss_sd_over_seeds=("loss", "std"),
    final_test_accuracy=("accuracy", "mean"),
    worst_seed_test_accuracy=("accuracy", "min"),
    diverged_runs=("diverged", "sum"),
)
comparison.round(4)

# %%
course_rates = comparison.pivot_table(
    index="learning_rate", columns="features", values="final_training_loss"
).loc[LEARNING_RATES]
assert (course_rates["raw"] < course_rates["standardised"]).all(), "raw should end lower"
raw_row = comparison.loc[("raw", 0.5)]
std_row = comparison.loc[("standardised", 0.5)]
assert (comparison.loc["standardised", "epochs_with_rising_loss"] == 0).all(), (
    "on standardised features the training loss should never rise, at any rate tried"
)
assert (comparison.loc["raw"].loc[LEARNING_RATES[:-1], "epochs_with_rising_loss"] == 0).all(), (
    "on raw features the loss should fall steadily up to 0.1"
)
assert raw_row["epochs_with_rising_loss"] > 0.1, "on raw features at 0.5 the loss should wobble"
assert raw_row["loss_sd_over_seeds"] > 5 * std_row["loss_sd_over_seeds"], "and spread across seeds"
assert comparison["diverged_runs"].sum() == 0, "no run should diverge"
assert raw_row["final_training_loss"] < std_row["final_training_loss"], (
    "yet raw features at 0.5 should still end lower on average"
)
assert raw_row["final_test_accuracy"] >= std_row["final_test_accuracy"], (
    "and at least as accurate on average"
)
raw_accuracy = comparison.loc["raw", "final_test_accuracy"]
assert raw_accuracy.loc[2.0] < raw_accuracy.loc[0.5], "raw features: rate 2 should be worse"
assert (
    comparison.loc["standardised", "final_test_accuracy"].loc[2.0]
    >= (comparison.loc["standardised", "final_test_accuracy"].loc[0.5])
), "standardised features: rate 2 should not be worse than 0.5"

# %% tags=["hide-input"]
raw_2 = comparison.loc[("raw", 2.0)]
std_2 = comparison.loc[("standardised", 2.0)]
Markdown(
    "So what does *unstable* mean here? Not divergence: none of the "
    f"{len(per_run)} runs diverged. At $\\eta = 0.5$ on raw features the training loss rose "
    f"in **{100 * raw_row['epochs_with_rising_loss']:.0f} %** of the epoch-to-epoch steps "
    "(never on standardised features, at any rate tried), and the final loss varies "
    f"**{raw_row['loss_sd_over_seeds'] / std_row['loss_sd_over_seeds']:.0f} times** more "
    f"across seeds (sd {raw_row['loss_sd_over_seeds']:.4f} against "
    f"{std_row['loss_sd_over_seeds']:.4f}). But it is not worse yet: on average the raw run "
    f"ends *lower* ({raw_row['final_training_loss']:.3f} against "
    f"{std_row['final_training_loss']:.3f}) and tests at "
    f"{100 * raw_row['final_test_accuracy']:.1f} % against "
    f"{100 * std_row['final_test_accuracy']:.1f} %. The noise costs only beyond the course's "
    f"range: at $\\eta = 2$ the raw runs fall back to "
    f"**{100 * raw_2['final_test_accuracy']:.1f} %** on average (worst seed "
    f"{100 * raw_2['worst_seed_test_accuracy']:.1f} %), with the loss rising in "
    f"{100 * raw_2['epochs_with_rising_loss']:.0f} % of the epochs, while the standardised "
    f"runs reach {100 * std_2['final_test_accuracy']:.1f} % and still fall steadily."
)

# %% [markdown]
# Individual runs show the wobble better than a mean. Here are the first few seeds at the
# course's largest rate on raw features, one line each:

# %%
shown_seeds = 5
wobbly = raw[(raw["learning_rate"] == largest) & (raw["seed"] < shown_seeds)]
grid = bgd.plot_sweep(
    wobbly,
    hue="seed",
    split="both",
    log_y=True,
    errorbar=None,
    title=f"The first {shown_seeds} seeds at learning rate {largest} on raw features",
)

# %% [markdown]
# ## Why the feature scale matters
#
# The step that gradient descent can take without overshooting depends on how sharply the loss
# curves. For logistic regression the curvature of the mean loss is
# $H = \frac{1}{n}\sum_i p_i (1 - p_i)\, x_i x_i^\top$, and since $p(1-p) \le \frac14$ it is
# never larger than $\frac14 \cdot \frac1n X^\top X$ (with a column of ones for the bias).
# On a bowl of curvature $\lambda$, gradient descent shrinks the error at every step only if
# $\eta < 2/\lambda$. So a rate below
#
# $$\eta_{\text{safe}} = \frac{8}{\lambda_{\max}\!\left(\frac1n X^\top X\right)}$$
#
# can never overshoot, whatever the weights are. Compute it for both feature scalings:

# %%
safe_rate = {}
for features, flag in [("standardised", True), ("raw", False)]:
    split = bgd.split_data(standardize=flag)
    design = np.column_stack([split.X_train, np.ones(len(split.X_train))]).astype("float64")
    eigenvalues = np.linalg.eigvalsh(design.T @ design / len(design))
    safe_rate[features] = {
        "largest eigenvalue": eigenvalues[-1],
        "largest / smallest": eigenvalues[-1] / eigenvalues[0],
        "safe learning rate": 8 / eigenvalues[-1],
    }
safe_rate = pd.DataFrame(safe_rate).T
safe_rate.round(3)

# %%
safe_raw = safe_rate.loc["raw", "safe learning rate"]
safe_standardised = safe_rate.loc["standardised", "safe learning rate"]
assert safe_raw < 0.5 < safe_standardised, "0.5 should be above the safe rate on raw features only"
assert safe_raw > 0.1, "0.1 should be safe on raw features"

# %% tags=["hide-input"]
Markdown(
    f"On raw features the safe rate is **{safe_rate.loc['raw', 'safe learning rate']:.2f}**: "
    f"the course's rates up to 0.1 are below it and fall smoothly, 0.5 is above it and "
    f"wobbles. On standardised features it is "
    f"**{safe_rate.loc['standardised', 'safe learning rate']:.2f}**, above every rate of the "
    "course. The raw runs do not blow up because the bound is a worst case: once most notes "
    "are classified with confidence, $p(1-p)$ is far below $\\frac14$ and the real curvature "
    "is smaller. The raw features are also lopsided: their curvature is "
    f"{safe_rate.loc['raw', 'largest / smallest']:.0f} times larger in the steepest direction "
    f"than in the flattest (standardised: "
    f"{safe_rate.loc['standardised', 'largest / smallest']:.0f} times), so a rate small "
    "enough for the steep direction is slow in the flat one. The same large scale explains "
    "why small rates train faster on raw features: a larger $x$ makes a larger gradient, so "
    "every step moves the weights further."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- With standardised features, SGD on batches of {BATCH_SIZE} and {EPOCHS} epochs, the "
    f"larger the learning rate the better: the final training loss falls from "
    f"{mean_loss[smallest]:.3f} at $\\eta = {smallest}$ to {mean_loss[largest]:.3f} at "
    f"$\\eta = {largest}$, and the test accuracy rises from "
    f"{100 * final_test_accuracy[smallest].mean():.1f} % to "
    f"{100 * final_test_accuracy[largest].mean():.1f} % (means over {SEEDS} seeds).\n"
    f"- One run per rate is not enough: at $\\eta = {smallest}$ the test accuracy of a single "
    f"run ranges from {100 * spread.loc[smallest, 'worst seed']:.1f} % to "
    f"{100 * spread.loc[smallest, 'best seed']:.1f} % across seeds, and "
    f"a single pair of runs could put the gap to $\\eta = {LEARNING_RATES[1]}$ anywhere "
    f"between {first_pair['smallest single-run gap']:.1f} and "
    f"{first_pair['largest single-run gap']:.1f} percentage points.\n"
    f"- On raw features, $\\eta = 0.5$ is above the safe rate "
    f"{safe_rate.loc['raw', 'safe learning rate']:.2f}: the loss rises in "
    f"{100 * raw_row['epochs_with_rising_loss']:.0f} % of the epochs and the seeds spread "
    f"{raw_row['loss_sd_over_seeds'] / std_row['loss_sd_over_seeds']:.0f} times more, yet on "
    "this small, nearly separable problem it still ends at least as accurate. The noise "
    f"costs accuracy only at larger rates ({100 * raw_2['final_test_accuracy']:.1f} % at "
    "$\\eta = 2$). Standardising the features makes the safe rate "
    f"{safe_rate.loc['standardised', 'safe learning rate']:.2f} and the training smooth at "
    "every rate tried."
)

# %% [markdown]
# Next: the other knob of this sweep, the number of banknotes per update.
# [Lesson 6: Batch size](06_batch_size.py)
