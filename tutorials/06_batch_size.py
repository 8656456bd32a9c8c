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
# # Batch size
#
# **How many banknotes should each update see? Batch sizes from one note to all of them,
# each at its own tuned learning rate, measured against the best possible loss.**
#
# **What you will learn**
#
# - why small batches look faster when you count epochs, and why, at a small learning rate,
#   the batch size hardly matters when you count updates;
# - that a small batch is "too noisy" only at a rate too large for it, and how the best
#   learning rate grows with the batch size;
# - how batch sizes from 1 to the full training set compare when each gets its own tuned
#   rate, chosen on validation rows and reported on fresh seeds;
# - why a low validation loss on these rows can reward over-confident weights, and what
#   that means for judging a setting by its first epochs or by the size of the data set.
#
# The model is again the logistic regression of the earlier lessons, trained with plain
# SGD on standardised features. One update averages the gradient over a mini-batch $B$ of
# $|B|$ training rows:
#
# $$w \leftarrow w - \eta \, \frac{1}{|B|} \sum_{i \in B} \nabla L_i(w).$$
#
# As in [lesson 5](05_learning_rate.py), every run trains on the training rows minus a
# validation part (`VALIDATION_SIZE`), settings are compared on the loss of the weights at
# the end of an epoch (split `train`) and chosen on the validation rows with seeds 0 to
# `SEEDS` − 1, and the chosen settings are reported on fresh seeds.

# %%
import itertools

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

COURSE_BATCH_SIZES = [16, 32, 64, 128]  # the sweep of the original course
DEFAULT_RATE = 0.01  # Keras's default SGD learning rate, the course's
RATES = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]  # to tune with
EPOCHS = 10
VALIDATION_SIZE = 0.2  # a fifth of the training rows, never trained on, to choose on
SEEDS = 10  # seeds 0 to 9 choose ...
REPORT_SEEDS = list(range(SEEDS, 2 * SEEDS))  # ... fresh seeds 10 to 19 report

training_split = bgd.split_data(validation_size=VALIDATION_SIZE)
N_TRAIN = len(training_split.X_train)
BATCH_SIZES = [1, 4, 16, 64, 256, N_TRAIN]  # one note per update ... all of them (full batch)
OPTIMUM = bgd.optimum(training_split)  # the weights of the lowest training loss (lesson 5)
L_STAR = OPTIMUM.loss

# %% [markdown]
# ## The course's sweep, re-run with many seeds
#
# The original course trained each of the batch sizes 16, 32, 64 and 128 once, at Keras's
# default learning rate of 0.01, and suggested re-running the sweep to see whether the
# picture holds. Here it is, re-run with `SEEDS` seeds (each seed fixes the initial weights
# and the order of the rows, the same for every batch size), with the loss of the weights at
# the end of each epoch and $L^*$ as a dotted line:

# %%
course = bgd.sweep(
    {"batch_size": COURSE_BATCH_SIZES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    learning_rate=DEFAULT_RATE,
    validation_size=VALIDATION_SIZE,
)


def mark_optimum(grid) -> None:
    """Draw L* on the loss panel of a plot_sweep figure, labelled below the line (no training
    loss is lower than L*, so no curve runs there)."""
    ax = grid.axes_dict["loss"]
    ax.axhline(L_STAR, color="0.2", linestyle=":", linewidth=1.5)
    ax.annotate("L*", (0.98, L_STAR), xycoords=("axes fraction", "data"), ha="right", va="top")
    ax.set_ylim(bottom=0.5 * L_STAR)


grid = bgd.plot_sweep(course, hue="batch_size", split="train", log_y=True)
mark_optimum(grid)

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&learning_rate=0.01&batch_size=16&view=curves)

# %%
course_final = bgd.final_values(course, split="train", metric="loss")
per_epoch = course_final.groupby("batch_size")["value"].mean() - L_STAR
updates_per_epoch = course[course["epoch"] == 1].groupby("batch_size")["step"].max()
pd.DataFrame(
    {"updates per epoch": updates_per_epoch, f"excess loss after {EPOCHS} epochs": per_epoch}
).round(4)

# %% tags=["remove-input"]
assert per_epoch.is_monotonic_increasing, "per epoch, a larger batch ends further from L*"
assert per_epoch.iloc[-1] > 1.5 * per_epoch.iloc[0], "by a wide margin"

# %% tags=["hide-input"]
small, large = COURSE_BATCH_SIZES[0], COURSE_BATCH_SIZES[-1]
Markdown(
    f"Counted in epochs, small batches win: after {EPOCHS} epochs, batches of {small} end "
    f"**{per_epoch[small]:.3f}** above $L^*$, batches of {large} "
    f"**{per_epoch[large]:.3f}**. But an epoch of batches of {small} is "
    f"{updates_per_epoch[small]} updates, an epoch of batches of {large} only "
    f"{updates_per_epoch[large]} (the frame's `step` column counts them)."
)

# %% [markdown]
# ## The same runs, counted in updates
#
# Plot the same runs against the number of updates (`x="step"`):

# %%
grid = bgd.plot_sweep(course, hue="batch_size", x="step", split="train", log_y=True)
mark_optimum(grid)

# %% [markdown]
# Against updates the four batch sizes lie on one curve; the large batches simply stop
# earlier. To check it with numbers, train every batch size for the same number of updates,
# as many as batches of 16 take in `EPOCHS` epochs, and compare with paired differences
# (same seeds) against batches of 16:

# %%
budget = EPOCHS * updates_per_epoch[small]
equal_updates = pd.concat(
    [
        bgd.sweep(
            seeds=SEEDS,
            epochs=round(budget / updates_per_epoch[size]),
            optimizer="sgd",
            learning_rate=DEFAULT_RATE,
            batch_size=size,
            validation_size=VALIDATION_SIZE,
        )
        for size in COURSE_BATCH_SIZES
    ],
    ignore_index=True,
)
steps_taken = equal_updates.groupby("batch_size")["step"].max()
paired = bgd.compare(
    bgd.excess_loss(equal_updates, L_STAR), by="batch_size", baseline=small, vary="epochs"
).set_index("batch_size")
equal_table = pd.DataFrame(
    {
        "updates": steps_taken,
        "excess loss": paired["mean"],
        f"minus batch size {small}: mean": paired["difference"],
        "standard error": paired["difference_se"],
    }
)
equal_table.loc[small, "excess loss"] = paired["baseline_mean"].iloc[0]
equal_table

# %% tags=["remove-input"]
assert (steps_taken == budget).all(), "every batch size took the same number of updates"
gap_per_epoch = per_epoch.max() - per_epoch.min()
gap_per_update = equal_table["excess loss"].max() - equal_table["excess loss"].min()
assert gap_per_update < 0.05 * gap_per_epoch, "per update, the gap nearly vanishes"

# %% tags=["hide-input"]
Markdown(
    f"After {budget} updates the batch sizes end within **{gap_per_update:.1e}** of each "
    f"other in excess loss, against {gap_per_epoch:.3f} after {EPOCHS} epochs. At "
    f"η = {DEFAULT_RATE} each step is so short that the noise of a small batch averages out "
    "over the following steps: what counts is how many steps were taken, not how many rows "
    f"each one saw. The large batches paid for it in data: batches of {large} read "
    f"{budget * large:,} rows to get where batches of {small} got after {budget * small:,}."
)

# %% [markdown]
# ## Batch sizes from one note to the full training set
#
# If large batches take steps as good as small ones, and fewer of them, they can take
# *longer* steps. So the fair question is not "which batch size is best at η = 0.01" but
# "which batch size is best at its own best rate". The sweep below trains every batch size
# of `BATCH_SIZES`, from one note per update to all of them (full-batch gradient descent),
# with every rate of `RATES`, on seeds 0 to `SEEDS` − 1:

# %%
selection = bgd.sweep(
    {"batch_size": BATCH_SIZES, "learning_rate": RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    validation_size=VALIDATION_SIZE,
)
final = bgd.final_values(selection, split="train", metric="loss")
final["validation loss"] = bgd.final_values(selection, split="validation", metric="loss")[
    "value"
].to_numpy()
final["excess"] = final["value"] - L_STAR
cells = final.groupby(["batch_size", "learning_rate"]).agg(
    excess=("excess", "mean"),
    excess_se=("excess", "sem"),
    validation=("validation loss", "mean"),
    diverged=("diverged", "sum"),
)
table = cells.reset_index()
validation_table = table.pivot_table(
    index="batch_size", columns="learning_rate", values="validation"
)
n_diverged = table.pivot_table(index="batch_size", columns="learning_rate", values="diverged")
validation_table = validation_table.where(n_diverged == 0)
shown = validation_table.rename_axis(index="batch size", columns="learning rate").style
shown.format("{:.4f}", na_rep="diverged").format_index("{:g}", axis=1).highlight_min(
    axis=1, props="font-weight: bold"
)

# %% tags=["remove-input"]
assert not final["diverged"].any(), "no run diverged"

# %% [markdown]
# The table holds the mean validation loss after the last epoch (lowest of each row in
# bold). No run diverged, even at the largest rate of `RATES`: the gradient of the logistic
# loss is bounded, so in `EPOCHS` epochs no update can carry the weights to infinity (the
# code would show "diverged" where a seed's loss became infinite). The tuned rate of a batch
# size is the one with the lowest mean validation loss. The same runs as excess training loss
# against the rate, one line per batch size (mean ± one standard error over the seeds):

# %%
tuned = validation_table.idxmin(axis=1)
palette = bgd.hue_palette(len(BATCH_SIZES))  # the colours of the sweep figures below
markers = ["o", "s", "^", "D", "v", "P"]
figure, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
for size, colour, marker in zip(BATCH_SIZES, palette, markers):
    rows = cells.loc[size]
    rows = rows[rows["diverged"] == 0]
    label = f"{size}" + (" (full batch)" if size == N_TRAIN else "")
    ax.plot(rows.index, rows["excess"], color=colour, marker=marker, label=label)
    ax.fill_between(
        rows.index,
        rows["excess"] - rows["excess_se"],
        rows["excess"] + rows["excess_se"],
        color=colour,
        alpha=0.2,
        linewidth=0,
    )
    ax.plot(tuned[size], rows.loc[tuned[size], "excess"], marker="*", color="black", markersize=12)
ax.plot([], [], marker="*", color="black", linestyle="none", label="tuned (validation)")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="learning rate η",
    ylabel="excess training loss L − L*",
    title=f"After {EPOCHS} epochs: mean ± one standard error over {SEEDS} seeds",
)
ax.grid(alpha=0.3, which="both")
ax.legend(title="batch size", fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
plt.show()

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&batch_size=16&view=ucurve)

# %% tags=["remove-input"]
growth = pd.Series(BATCH_SIZES, index=BATCH_SIZES).rank().corr(tuned.rank())
assert growth > 0.8, "the tuned rate grows with the batch size (rank correlation)"
assert tuned[N_TRAIN] >= 20 * tuned[1], "from one note to the full batch, by a wide factor"
for size in BATCH_SIZES:
    assert RATES[0] < tuned[size] < RATES[-1], f"batch size {size}: tuned inside the grid"
steps = list(itertools.pairwise(BATCH_SIZES))
faster = [(a, b) for a, b in steps if tuned[b] / tuned[a] > b / a]  # rate outgrows the batch
flat = [(a, b) for a, b in steps if tuned[b] == tuned[a]]  # rate does not grow at all
assert faster and flat, "locally, the growth is sometimes faster than proportional, sometimes nil"
position = RATES.index(tuned[N_TRAIN])
neighbours = validation_table.loc[N_TRAIN, RATES[position - 1 : position + 2]]
assert neighbours.max() < 1.5 * neighbours.min(), "the full batch's choice is a close call"

# %% tags=["hide-input"]
(a1, b1), (a2, b2) = faster[0], flat[0]
Markdown(
    "The tuned rate grows with the batch size: "
    + ", ".join(f"**{tuned[size]:g}** for {size}" for size in BATCH_SIZES)
    + " (full batch). A larger batch averages the gradient over more rows, so its noise is "
    "smaller and a longer step amplifies it less. How fast the rate grows, these runs do "
    "not say precisely: the grid is coarse and neighbouring rates are close calls (for the "
    "full batch a mean validation loss of "
    + ", ".join(f"{value:.4f}" for value in neighbours)
    + " at η = "
    + ", ".join(f"{rate:g}" for rate in neighbours.index)
    + f"), and step by step the growth is uneven: from {a1} to {b1} rows the batch grows "
    f"{b1 // a1}-fold and the tuned rate {tuned[b1] / tuned[a1]:g}-fold, from {a2} to {b2} the "
    "tuned rate does not grow at all. Large-batch practice scales the learning rate in "
    "proportion to the batch size (the linear scaling rule of Goyal et al., 2017), up to a "
    "batch size beyond which the gain saturates (McCandlish et al., 2018); "
    "[lesson 10](10_batch_size_and_learning_rate.py) examines both on these data."
)

# %% [markdown]
# ## "Too small a batch is too noisy"
#
# Is it? At one rate, the smaller the batch the noisier the run. Take η = `NOISY_RATE`,
# a good rate for the middle batch sizes, and measure for each batch size the excess loss
# and the share of epochs at whose end the training loss was *higher* than at the end of
# the epoch before:

# %%
NOISY_RATE = 5.0
train_curves = selection[(selection["split"] == "train") & (selection["metric"] == "loss")]
train_curves = train_curves.sort_values(["batch_size", "learning_rate", "seed", "epoch"])
rises = train_curves.groupby(["batch_size", "learning_rate", "seed"])["value"].diff() > 0
rising = (
    rises.groupby([train_curves["batch_size"], train_curves["learning_rate"]]).sum()
    / (EPOCHS - 1)
    / SEEDS
)
noise = pd.DataFrame(
    {
        f"η = {NOISY_RATE:g}: excess loss": cells["excess"].xs(NOISY_RATE, level="learning_rate"),
        f"η = {NOISY_RATE:g}: epochs with a rising loss": rising.xs(
            NOISY_RATE, level="learning_rate"
        ),
        "tuned η": tuned,
        "tuned: excess loss": [cells.loc[(size, tuned[size]), "excess"] for size in BATCH_SIZES],
        "tuned: epochs with a rising loss": [rising[(size, tuned[size])] for size in BATCH_SIZES],
    }
)
noise.index.name = "batch size"
noise.round(4)

# %% tags=["remove-input"]
at_rate = noise[f"η = {NOISY_RATE:g}: excess loss"]
assert at_rate.loc[1] > 5 * at_rate.loc[16], "at one rate, batch 1 is far behind batch 16"
assert noise[f"η = {NOISY_RATE:g}: epochs with a rising loss"].loc[1] > 0.3, "and wobbles"
tuned_excess = noise["tuned: excess loss"]
middle = tuned_excess.loc[[4, 16, 64]]
assert tuned_excess.loc[1] <= 1.1 * middle.max(), "tuned, batch 1 is as close as 4 to 64"
# Full-batch descent has no batch noise. Its loss must fall at every update if η < 2/λ, λ the
# largest curvature of the loss anywhere: for logistic regression, the curvature at w = 0.
safe_rate = 2 / bgd.lambda_max(
    [0.0] * training_split.X_train.shape[1], 0.0, training_split.X_train, training_split.y_train
)
full_rising = rising.xs(N_TRAIN, level="batch_size")
calm = full_rising[full_rising == 0].index.max()  # the largest rate without a rise
assert (full_rising[full_rising.index < safe_rate] == 0).all(), "below 2/λ, never a rise"
assert (full_rising[full_rising.index <= calm] == 0).all() and calm >= NOISY_RATE
assert full_rising[tuned[N_TRAIN]] > 0, "at its tuned rate, even the full batch's loss rises"

# %% tags=["hide-input"]
Markdown(
    f"At η = {NOISY_RATE:g} one note per update ends **{at_rate.loc[1]:.3f}** above $L^*$, "
    f"{at_rate.loc[1] / at_rate.loc[16]:.0f} times as far as batches of 16 "
    f"({at_rate.loc[16]:.4f}), and its loss rises in "
    f"{100 * noise[f'η = {NOISY_RATE:g}: epochs with a rising loss'].loc[1]:.0f} % of the "
    f"epochs, where the full batch's never rises at η = {NOISY_RATE:g}. So a small batch *is* "
    "too noisy, for that rate. At its own tuned rate, "
    f"η = {tuned[1]:g}, the same batch size ends {tuned_excess.loc[1]:.4f} above $L^*$, "
    f"as close as batches of 4 to 64 at theirs ({middle.min():.4f} to {middle.max():.4f}). "
    "The cure for a noisy batch is a smaller step, which costs updates; batches of one make "
    f"{N_TRAIN} updates per epoch, enough to pay for it here.\n\n"
    "Not every rising epoch is batch noise. Full-batch descent has none, and its loss must "
    "fall at every update when η < 2/λ, with λ the largest curvature of the loss anywhere, "
    f"for logistic regression its curvature at w = 0: 2/λ = {safe_rate:.2f} here "
    f"([lesson 5](05_learning_rate.py)). In the selection sweep the full batch's loss "
    f"never rose at any rate up to η = {calm:g}, but at larger rates it did, in "
    f"{100 * full_rising[tuned[N_TRAIN]]:.1f} % of the epochs at its tuned η = "
    f"{tuned[N_TRAIN]:g} (the table's last row): a step that long can overshoot.\n\n"
    "What a batch of one also costs, which these runs do not measure, is time: as a rule its "
    "updates run one after another, where a batch of many rows is computed in parallel on the "
    "same hardware ([lesson 10](10_batch_size_and_learning_rate.py) times an update of each "
    "batch size)."
)

# %% [markdown]
# ## Every batch size at its tuned rate, on fresh seeds
#
# The tuned rates were chosen on seeds 0 to `SEEDS` − 1. Trained again with the fresh seeds of
# `REPORT_SEEDS`, each batch size at its own tuned rate, against epochs and against updates (on a
# logarithmic axis: the full batch takes one update per epoch, batches of one as many updates per
# epoch as there are training rows):

# %%
report = pd.concat(
    [
        bgd.sweep(
            seeds=REPORT_SEEDS,
            epochs=EPOCHS,
            optimizer="sgd",
            learning_rate=float(tuned[size]),
            batch_size=size,
            validation_size=VALIDATION_SIZE,
        )
        for size in BATCH_SIZES
    ],
    ignore_index=True,
)


grid = bgd.plot_sweep(
    report,
    hue="batch_size",
    split="train",
    log_y=True,
    title="Each batch size at its tuned learning rate (fresh seeds)",
)
mark_optimum(grid)

# %% tags=["hide-input"]
Markdown(
    f"[Explore this](explorer.md#optimizer=sgd&learning_rate={tuned[16]:g}&batch_size=16"
    "&view=curves)"
)

# %% tags=["hide-input"]
after_one = bgd.final_values(report, split="train", metric="loss", epoch=1)
after_one = after_one.groupby("batch_size")["value"].mean()
others = after_one.drop(index=N_TRAIN)
starting = pd.Series(  # the training loss of each fresh seed's initial weights
    [
        bgd.logistic_loss(kernel.ravel(), bias[0], training_split.X_train, training_split.y_train)
        for kernel, bias in map(bgd.initial_weights, REPORT_SEEDS)
    ]
).mean()
assert after_one[N_TRAIN] > 10 * starting, "the full batch's first step overshoots"
assert after_one[N_TRAIN] > 10 * others.max(), "unlike any other batch size's first epoch"
Markdown(
    "The full batch starts far off: its first epoch is a single step of "
    f"η = {tuned[N_TRAIN]:g}, which overshoots. From a mean training loss of {starting:.2f} "
    f"at the initial weights, it lands at **{after_one[N_TRAIN]:.1f}**; the other batch sizes "
    f"end their first epoch between {others.min():.3f} and {others.max():.3f}."
)

# %%
grid = bgd.plot_sweep(
    report,
    hue="batch_size",
    x="step",
    split="train",
    log_y=True,
    title="Each batch size at its tuned learning rate, against updates (fresh seeds)",
)
mark_optimum(grid)
for ax in grid.axes.flat:
    ax.set_xscale("log")

# %%
report_excess = bgd.excess_loss(report, L_STAR)
mean_excess = bgd.final_values(report_excess).groupby("batch_size")["value"].mean()
best_size = int(mean_excess.idxmin())
versus_best = bgd.compare(
    report_excess, by="batch_size", baseline=best_size, vary="learning_rate"
).set_index("batch_size")
test_accuracy = bgd.final_values(report, split="test", metric="accuracy")
accuracy = test_accuracy.groupby("batch_size")["value"].mean()
training_best = table.pivot_table(
    index="batch_size", columns="learning_rate", values="excess"
).idxmin(axis=1)
fair = pd.DataFrame(
    {
        "tuned η (validation)": tuned,
        "excess loss": mean_excess,
        f"minus batch size {best_size}: mean": versus_best["difference"],
        "standard error": versus_best["difference_se"],
        "test accuracy": accuracy,
        "η closest to L* (selection seeds)": training_best,
    }
)
fair.index.name = "batch size"
fair.round(4)

# %% tags=["remove-input"]
mini = mean_excess.drop(index=N_TRAIN)
assert mini.max() - mini.min() < (per_epoch.max() - per_epoch.min()) / 5, (
    "tuned, the mini-batch sizes end far closer together than the course's sweep"
)
assert mean_excess.idxmax() == N_TRAIN, "the full batch, with 10 updates, ends furthest"
assert per_epoch[large] > 10 * mini.max(), "all far closer than the course's sweep"
assert training_best[N_TRAIN] < tuned[N_TRAIN], "validation picks a larger full-batch rate"
n_test = len(training_split.X_test)
accuracy_gap_notes = (accuracy.max() - accuracy.min()) * n_test
one_run_se_notes = n_test * (accuracy.mean() * (1 - accuracy.mean()) / n_test) ** 0.5
assert accuracy_gap_notes < one_run_se_notes, "the accuracy gaps are within one run's noise"
rest = versus_best  # every batch size but the best
tied = rest[rest["difference"].abs() < 2 * rest["difference_se"]].index.tolist()
assert tied, "some batch sizes cannot be told apart from the lowest mean"

# %% tags=["hide-input"]
full = versus_best.loc[N_TRAIN]
Markdown(
    f"Each at its tuned rate, every mini-batch size from 1 to {BATCH_SIZES[-2]} ends between "
    f"**{mini.min():.4f}** and **{mini.max():.4f}** above $L^*$ after {EPOCHS} epochs, "
    f"where the course's sweep at η = {DEFAULT_RATE} spread from {per_epoch.min():.3f} to "
    f"{per_epoch.max():.3f}: a tuned rate matters far more than the batch size. The lowest "
    f"mean is batch size {best_size}, but batch sizes "
    + " and ".join(
        f"{size} ({versus_best.loc[size, 'difference']:+.4f} ± "
        f"{versus_best.loc[size, 'difference_se']:.4f})"
        for size in tied
    )
    + " end within two standard errors of it: these seeds cannot tell them apart. "
    f"The full batch, with its {EPOCHS} updates, ends "
    f"**{mean_excess[N_TRAIN]:.4f}** above $L^*$, behind by {full['difference']:.4f} ± "
    f"{full['difference_se']:.4f} (paired mean ± standard error over {len(REPORT_SEEDS)} "
    "fresh seeds). Part of that gap is the choice of its rate: the validation loss chose "
    f"η = {tuned[N_TRAIN]:g}, while on the training rows of the selection seeds "
    f"η = {training_best[N_TRAIN]:g} ended closest to $L^*$ "
    f"({cells.loc[(N_TRAIN, training_best[N_TRAIN]), 'excess']:.4f}). The validation rows "
    "reward confident weights ([lesson 5](05_learning_rate.py)), and large steps make "
    "weights confident fast. The test accuracies, measured once, range from "
    f"{100 * accuracy.min():.1f} % to {100 * accuracy.max():.1f} %: "
    f"{accuracy_gap_notes:.1f} of the {n_test} test notes apart on average, less than the "
    f"binomial standard error of one run's accuracy ({one_run_se_notes:.1f} notes)."
)

# %% [markdown]
# ## Judge by the first epochs?
#
# Tuning takes a full sweep. Could the first epoch tell which setting will be best? The
# selection sweep recorded the validation loss at every epoch; compare the setting that
# looks best after one epoch with the one that looks best after `EPOCHS`, by the validation
# loss they were chosen on and by the excess training loss:

# %%
validation = selection[(selection["split"] == "validation") & (selection["metric"] == "loss")]
validation = validation[~validation["diverged"]]
mean_validation = validation.groupby(["epoch", "batch_size", "learning_rate"])["value"].mean()
first, last = mean_validation.loc[1], mean_validation.loc[EPOCHS]
common = first.index.intersection(last.index)
picks = pd.DataFrame(
    [first.loc[common].idxmin(), last.loc[common].idxmin()],
    columns=["batch size", "learning rate"],
    index=["best after epoch 1", f"best after epoch {EPOCHS}"],
)
keys = list(picks.itertuples(index=False, name=None))
picks["validation loss after the last epoch"] = [last[key] for key in keys]
picks["excess training loss after the last epoch"] = [cells.loc[key, "excess"] for key in keys]
# the two picks' paired differences over the selection seeds, by each criterion
per_run = final.set_index(["batch_size", "learning_rate", "seed"])
early, final_pick = keys
paired_picks = pd.DataFrame(
    {
        criterion: per_run.loc[early, column] - per_run.loc[final_pick, column]
        for criterion, column in [("validation", "validation loss"), ("excess", "excess")]
    }
).agg(["mean", "sem"])
early_rates = pd.DataFrame(
    {
        "tuned η after epoch 1": first.groupby("batch_size").idxmin().str[1],
        f"tuned η after epoch {EPOCHS}": last.groupby("batch_size").idxmin().str[1],
    }
)
rank_correlation = first.loc[common].rank().corr(last.loc[common].rank())
picks.round(4)

# %%
early_rates

# %% tags=["remove-input"]
first_rates = early_rates["tuned η after epoch 1"]
last_rates = early_rates[f"tuned η after epoch {EPOCHS}"]
assert early != final_pick, "the first epoch picks another setting"
assert last[early] > 1.5 * last[final_pick], "one that ends worse on the validation rows"
assert paired_picks.loc["mean", "validation"] > 0 > paired_picks.loc["mean", "excess"], (
    "the early pick ends worse by the validation loss, better by the excess training loss"
)
assert (paired_picks.loc["mean"].abs() < 2 * paired_picks.loc["sem"]).all(), "neither clearly"
assert early[0] < final_pick[0], "epoch 1 favours a smaller batch"
assert final_pick == (N_TRAIN, tuned[N_TRAIN]), "the full budget picks the tuned full batch"
assert (first_rates != last_rates).sum() >= len(BATCH_SIZES) / 2, "and other rates"
larger = first_rates[first_rates > last_rates].index.tolist()
smaller = first_rates[first_rates < last_rates].index.tolist()
assert larger and smaller, "in both directions"
assert first_rates[N_TRAIN] < last_rates[N_TRAIN] / 10, "much smaller for the full batch"
assert 0 < rank_correlation < 0.95, "the ranking after one epoch is only partly right"

# %% tags=["hide-input"]
Markdown(
    f"After one epoch the lowest validation loss is batch size {early[0]} at "
    f"η = {early[1]:g}; after {EPOCHS} epochs it is batch size {final_pick[0]} at "
    f"η = {final_pick[1]:g}. Whether choosing early costs anything depends on the criterion. "
    f"By the validation loss after the last epoch, the early pick looks worse: "
    f"**{last[early]:.4f}** instead of **{last[final_pick]:.4f}**, a paired difference of "
    f"{paired_picks.loc['mean', 'validation']:+.4f} ± "
    f"{paired_picks.loc['sem', 'validation']:.4f} over the selection seeds. By the excess "
    f"training loss it looks better: it ends **{cells.loc[early, 'excess']:.4f}** above "
    f"$L^*$, the full-budget pick **{cells.loc[final_pick, 'excess']:.4f}**, a paired "
    f"difference of {paired_picks.loc['mean', 'excess']:+.4f} ± "
    f"{paired_picks.loc['sem', 'excess']:.4f}. Neither difference reaches two standard "
    f"errors. On fresh seeds, the full batch at η = {tuned[N_TRAIN]:g} ended furthest from "
    "$L^*$ of all the tuned settings (above)."
)

# %% [markdown]
# The two criteria disagree because, on these validation rows, a lower loss does not mean
# weights closer to the optimum. `bgd.logistic_loss` measures the optimum's own weights, and
# the same weights scaled up, which keeps every prediction's side and makes it more
# confident:

# %%
SCALES = [1, 2, 4]
confidence = pd.DataFrame(
    {
        "training loss − L*": {
            scale: bgd.logistic_loss(
                scale * OPTIMUM.weights,
                scale * OPTIMUM.bias,
                training_split.X_train,
                training_split.y_train,
            )
            - L_STAR
            for scale in SCALES
        },
        "validation loss": {
            scale: bgd.logistic_loss(
                scale * OPTIMUM.weights,
                scale * OPTIMUM.bias,
                training_split.X_val,
                training_split.y_val,
            )
            for scale in SCALES
        },
    }
).rename_axis("weights × ")
validation_scores = training_split.X_val @ OPTIMUM.weights + OPTIMUM.bias
validation_right = int(((validation_scores > 0) == training_split.y_val).sum())
confidence.round(4)

# %% tags=["remove-input"]
at_optimum = confidence.loc[1, "validation loss"]
assert last[final_pick] < at_optimum, "a setting far from L* beats the optimum on validation"
assert confidence["validation loss"].is_monotonic_decreasing, "larger weights, lower loss"
assert confidence["training loss − L*"].is_monotonic_increasing, "further from the optimum"

# %% tags=["hide-input"]
n_validation = len(training_split.y_val)
Markdown(
    f"The optimum classifies {validation_right} of the {n_validation} validation rows "
    f"correctly, and its validation loss is **{at_optimum:.4f}**, higher than the "
    f"{last[final_pick]:.4f} of the full batch at η = {final_pick[1]:g}, which ends "
    f"{cells.loc[final_pick, 'excess']:.4f} above $L^*$ on the training rows. Doubled, the "
    f"optimum's weights lower the validation loss to {confidence.loc[2, 'validation loss']:.4f} "
    f"while their training loss rises {confidence.loc[2, 'training loss − L*']:.4f} above "
    "$L^*$. On these rows the validation loss rewards over-confident weights, and large steps "
    "make weights large fast. So this comparison does not show that the first epoch is the "
    "worse judge: it looks worse by one criterion and better by the other, neither clearly. "
    "What it shows is that the first epoch and the full budget pick different settings.\n\n"
    "The first epoch favours a smaller batch, with more updates at the start, and for "
    f"{(first_rates != last_rates).sum()} of the {len(BATCH_SIZES)} batch sizes another rate, "
    "in both directions: a larger one for batch sizes "
    + " and ".join(
        f"{size} (η = {first_rates[size]:g}, not {last_rates[size]:g})" for size in larger
    )
    + ", a smaller one for "
    + " and ".join(
        f"{size} (η = {first_rates[size]:g}, not {last_rates[size]:g})" for size in smaller
    )
    + f". For the full batch, whose first epoch is a single update, that is η = "
    f"{first_rates[N_TRAIN]:g} instead of {last_rates[N_TRAIN]:g}: a single step of "
    f"{last_rates[N_TRAIN]:g} overshoots (the fresh-seed figures above). Across the "
    f"{len(common)} settings, the rank correlation between the validation loss after one "
    f"epoch and after {EPOCHS} is {rank_correlation:.2f}: the first epoch's ranking agrees "
    "only partly with the last."
)

# %% [markdown]
# ## Does it depend on the size of the data set?
#
# An epoch makes $n / |B|$ updates: with the same batch size, a larger data set gives more updates
# per epoch. With `EPOCHS` epochs as the budget, the full batch makes `EPOCHS` updates whatever $n$
# is, while batches of 16 make more the more rows there are. Train both on fewer rows, by holding
# out `SMALL_VALIDATION_SIZE` of the training rows instead of `VALIDATION_SIZE`, each tuned again on
# its validation rows (seeds 0 to `SEEDS` − 1), and report the test loss on fresh seeds: the test
# rows are the same for both data-set sizes. As a control for the rate the validation loss
# chooses, the full batch also runs at `CONTROL_RATES`, the rates of the grid from the one that
# ended closest to $L^*$ on the selection seeds up to, not including, the one the validation
# loss chose.

# %%
SMALL_VALIDATION_SIZE = 0.8
small_split = bgd.split_data(validation_size=SMALL_VALIDATION_SIZE)
sizes = {N_TRAIN: VALIDATION_SIZE, len(small_split.X_train): SMALL_VALIDATION_SIZE}
CONTROL_RATES = [rate for rate in RATES if training_best[N_TRAIN] <= rate < tuned[N_TRAIN]]
assert CONTROL_RATES[0] == training_best[N_TRAIN]
rows, updates_16, updates_full = [], {}, {}
for n_rows, held_out in sizes.items():
    tuning = bgd.sweep(
        {"batch_size": [16, n_rows], "learning_rate": RATES},
        seeds=SEEDS,
        epochs=EPOCHS,
        optimizer="sgd",
        validation_size=held_out,
    )
    scores = bgd.final_values(tuning, split="validation", metric="loss")
    scores = scores[~scores.groupby(["batch_size", "learning_rate"])["diverged"].transform("any")]
    rates = scores.groupby(["batch_size", "learning_rate"])["value"].mean()
    chosen = rates.groupby("batch_size").idxmin().str[1]
    report_settings = {"seeds": REPORT_SEEDS, "epochs": EPOCHS, "validation_size": held_out}
    small_batches = bgd.sweep(
        optimizer="sgd", learning_rate=float(chosen[16]), batch_size=16, **report_settings
    )
    full_rates = sorted({float(chosen[n_rows]), *CONTROL_RATES})
    full_batches = bgd.sweep(
        {"learning_rate": full_rates}, optimizer="sgd", batch_size=n_rows, **report_settings
    )
    for rate in full_rates:
        pair = pd.concat([small_batches, full_batches[full_batches["learning_rate"] == rate]])
        versus = bgd.compare(
            pair, by="batch_size", baseline=16, split="test", vary="learning_rate"
        ).iloc[0]
        rows.append(
            {
                "training rows": n_rows,
                "full batch η": rate,
                "chosen by validation": rate == chosen[n_rows],
                "η of batches of 16": chosen[16],
                "test loss, batches of 16": versus["baseline_mean"],
                "test loss, full batch": versus["mean"],
                "full batch − 16: mean": versus["difference"],
                "standard error": versus["difference_se"],
            }
        )
    updates_16[n_rows] = small_batches["step"].max()
    updates_full[n_rows] = full_batches["step"].max()
by_size = pd.DataFrame(rows).set_index(["training rows", "full batch η"])
by_size.round(4)

# %% [markdown]
# Why the test loss, and not the excess training loss? On the smaller set there is no $L^*$:
# its training rows are (nearly) linearly separable, so growing weights push the training
# loss towards zero and `bgd.optimum` finds no finite minimum:

# %%
try:
    bgd.optimum(small_split)
    separable = False
except ValueError as reason:
    print(reason)
    separable = True

# %% tags=["remove-input"]
n_small = min(sizes)
assert separable, "the smaller set has no finite optimum"
picked = by_size[by_size["chosen by validation"]].reset_index(level="full batch η")
difference, error = picked["full batch − 16: mean"], picked["standard error"]
assert difference[N_TRAIN] > 3 * error[N_TRAIN], "at the chosen rates the full batch is behind"
assert abs(difference[n_small]) < 2 * error[n_small], "on the smaller set, not clearly"
assert difference[N_TRAIN] > difference[n_small] + 2 * error.max(), (
    "at the chosen rates, a larger gap on the larger set"
)
assert len(CONTROL_RATES) == 2, "the text below speaks of two control rates"
control, control_2 = (by_size.xs(rate, level="full batch η") for rate in CONTROL_RATES)
for frame in (control, control_2):
    assert frame.loc[N_TRAIN, "full batch − 16: mean"] < frame.loc[n_small, "full batch − 16: mean"]
assert control.loc[N_TRAIN, "full batch − 16: mean"] < 0, "at the first control rate, lower"
assert (control["full batch − 16: mean"].abs() < 2 * control["standard error"]).all()
assert (
    abs(control_2.loc[N_TRAIN, "full batch − 16: mean"])
    < 2 * control_2.loc[N_TRAIN, "standard error"]
)
assert (
    control_2.loc[n_small, "full batch − 16: mean"] > 3 * control_2.loc[n_small, "standard error"]
)
assert updates_full[N_TRAIN] == updates_full[n_small] == EPOCHS, "the full batch: one per epoch"

# %% tags=["hide-input"]
Markdown(
    f"At the rates the validation loss chose (batches of 16: η = "
    f"{picked.loc[N_TRAIN, 'η of batches of 16']:g} on {N_TRAIN} rows and "
    f"{picked.loc[n_small, 'η of batches of 16']:g} on {n_small}; the full batch: "
    f"{picked.loc[N_TRAIN, 'full batch η']:g} and {picked.loc[n_small, 'full batch η']:g}), "
    f"the full batch ends **{difference[N_TRAIN]:+.4f} ± {error[N_TRAIN]:.4f}** above "
    f"batches of 16 in test loss with {N_TRAIN} training rows, and "
    f"**{difference[n_small]:+.4f} ± {error[n_small]:.4f}** with {n_small}, no clear "
    f"difference (paired mean ± standard error over {len(REPORT_SEEDS)} fresh seeds). But "
    "that gap hangs on the full batch's rate, chosen by the criterion that rewards "
    f"over-confident weights. At η = {CONTROL_RATES[0]:g}, the rate that ended closest to "
    f"$L^*$ on the selection seeds, the full batch on {N_TRAIN} rows reaches a mean test loss of "
    f"**{control.loc[N_TRAIN, 'test loss, full batch']:.4f}**, below the "
    f"{control.loc[N_TRAIN, 'test loss, batches of 16']:.4f} of batches of 16 "
    f"({control.loc[N_TRAIN, 'full batch − 16: mean']:+.4f} ± "
    f"{control.loc[N_TRAIN, 'standard error']:.4f}), and on {n_small} rows "
    f"{control.loc[n_small, 'full batch − 16: mean']:+.4f} ± "
    f"{control.loc[n_small, 'standard error']:.4f}: no clear difference on either set. At "
    f"η = {CONTROL_RATES[1]:g} the pattern is the reverse of the chosen rates': the full batch "
    f"is clearly behind on the smaller set "
    f"({control_2.loc[n_small, 'full batch − 16: mean']:+.4f} ± "
    f"{control_2.loc[n_small, 'standard error']:.4f}) and not clearly on the larger "
    f"({control_2.loc[N_TRAIN, 'full batch − 16: mean']:+.4f} ± "
    f"{control_2.loc[N_TRAIN, 'standard error']:.4f}). So these runs do not show that small "
    "batches gain more on a larger data set: which batch size wins depends here on the "
    "full batch's rate more than on $n$. What holds by construction is the count of "
    f"updates: {EPOCHS} epochs of batches of 16 are {updates_16[N_TRAIN]} updates on the "
    f"larger set and {updates_16[n_small]} on the smaller, while the full batch takes "
    f"{updates_full[N_TRAIN]} on both. Whether a batch is small is a matter of $|B|$ "
    "relative to $n$."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- At the default learning rate {DEFAULT_RATE} and a budget of {EPOCHS} epochs, small "
    f"batches win ({per_epoch[small]:.3f} above $L^*$ with batches of {small} against "
    f"{per_epoch[large]:.3f} with {large}), because they take more updates; at an equal "
    f"number of updates the batch sizes end within {gap_per_update:.1e} of each other.\n"
    "- The best learning rate grows with the batch size, from "
    f"{tuned[1]:g} for one note per update to {tuned[N_TRAIN]:g} for the full batch "
    "(chosen on validation rows), unevenly and, on this coarse grid, with close calls.\n"
    f"- Small batches are too noisy only at too large a rate: at η = {NOISY_RATE:g} batches "
    f"of one end {at_rate.loc[1]:.3f} above $L^*$, at their own rate {tuned_excess.loc[1]:.4f}."
    "\n"
    f"- Each at its tuned rate, every mini-batch size from 1 to {BATCH_SIZES[-2]} ends "
    f"{mini.min():.4f} to {mini.max():.4f} above $L^*$ on fresh seeds, the full batch "
    f"{mean_excess[N_TRAIN]:.4f}: a tuned rate matters far more than the batch size, so tune "
    "the rate for each batch size.\n"
    "- On these validation rows a low loss rewards over-confident weights: the validation "
    f"loss chose η = {tuned[N_TRAIN]:g} for the full batch, where η = "
    f"{training_best[N_TRAIN]:g} ended closer to $L^*$. Check a choice against a second "
    "criterion, such as the excess training loss.\n"
    "- The first epoch picks other settings than the full budget, worse by the validation "
    "loss and better by the excess training loss, neither clearly. Batches of a given size "
    "make more updates per epoch on a larger data set, but whether the full batch fell "
    f"behind batches of {small} depended here on its rate more than on the size of the data "
    "set."
)

# %% [markdown]
# ## Further reading
#
# - [Lesson 10](10_batch_size_and_learning_rate.py) of this course: batch size and learning
#   rate together, the critical batch size, the linear and square-root scaling rules, and the
#   wall time of an update.
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677. The linear scaling rule.
# - Sam McCandlish, Jared Kaplan, Dario Amodei and the OpenAI Dota Team (2018). *An
#   Empirical Model of Large-Batch Training.* arXiv:1812.06162. Why the gain of larger
#   batches saturates.
# - Yurii Nesterov (2004). *Introductory Lectures on Convex Optimization: A Basic Course.*
#   Kluwer. Chapter 2: why $\eta < 2/L$ guarantees descent on an $L$-smooth function.
