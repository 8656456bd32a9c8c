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
# - why the answer depends on the size of the data set, and why the first epochs are a
#   poor judge.
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
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
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
L_STAR = bgd.optimum(training_split).loss  # the lowest training loss (lesson 5)

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
    """Draw L* on the loss panel of a plot_sweep figure."""
    ax = grid.axes_dict["loss"]
    ax.axhline(L_STAR, color="0.2", linestyle=":", linewidth=1.5)
    ax.annotate("L*", (1, L_STAR), xycoords=("axes fraction", "data"), ha="right", va="bottom")
    ax.set_ylim(bottom=0.8 * L_STAR)


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

# %% [markdown]
# The table holds the mean validation loss after the last epoch (lowest of each row in
# bold; "diverged" where some seed's loss became infinite). The tuned rate of a batch size is
# the one with the lowest mean validation loss. The same runs as excess training loss against
# the rate, one line per batch size (mean ± one standard error over the seeds):

# %%
tuned = validation_table.idxmin(axis=1)
palette = sns.color_palette("colorblind", len(BATCH_SIZES))
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
assert tuned[N_TRAIN] / tuned[1] < N_TRAIN, "but slower than in proportion to the batch size"
for size in BATCH_SIZES:
    assert RATES[0] < tuned[size] < RATES[-1], f"batch size {size}: tuned inside the grid"

# %% tags=["hide-input"]
Markdown(
    "The tuned rate grows with the batch size: "
    + ", ".join(f"**{tuned[size]:g}** for {size}" for size in BATCH_SIZES)
    + " (full batch). A larger batch averages the gradient over more rows, so its noise is "
    "smaller and a longer step amplifies it less; large-batch practice scales the learning "
    "rate with the batch size for this reason. The growth is slower than proportional: "
    f"from 1 to {N_TRAIN} rows per update the batch grows {N_TRAIN}-fold, the tuned rate "
    f"{tuned[N_TRAIN] / tuned[1]:.0f}-fold."
)

# %% [markdown]
# ## "Too small a batch is too noisy"
#
# Is it? At one rate, the smaller the batch the noisier the run. Take η = `NOISY_RATE`,
# a good rate for the middle batch sizes, and measure for each batch size the excess loss
# and the share of epochs at whose end the training loss was *higher* than at the end of
# the epoch before (without the noise of batches the loss would fall at every epoch, as
# [lesson 5](05_learning_rate.py) showed with full-batch descent):

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

# %% tags=["hide-input"]
Markdown(
    f"At η = {NOISY_RATE:g} one note per update ends **{at_rate.loc[1]:.3f}** above $L^*$, "
    f"{at_rate.loc[1] / at_rate.loc[16]:.0f} times as far as batches of 16 "
    f"({at_rate.loc[16]:.4f}), and its loss rises in "
    f"{100 * noise[f'η = {NOISY_RATE:g}: epochs with a rising loss'].loc[1]:.0f} % of the "
    "epochs. So a small batch *is* too noisy, for that rate. At its own tuned rate, "
    f"η = {tuned[1]:g}, the same batch size ends {tuned_excess.loc[1]:.4f} above $L^*$, "
    f"as close as batches of 4 to 64 at theirs ({middle.min():.4f} to {middle.max():.4f}). "
    "The cure for a noisy batch is a smaller step, which costs updates; batches of one make "
    f"{N_TRAIN} updates per epoch, enough to pay for it here. What a batch of one costs in "
    "practice is time: its updates run one after another, where a batch of many rows is "
    "computed in parallel on the same hardware."
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

# %% tags=["hide-input"]
full = versus_best.loc[N_TRAIN]
Markdown(
    f"Each at its tuned rate, every mini-batch size from 1 to {BATCH_SIZES[-2]} ends between "
    f"**{mini.min():.4f}** and **{mini.max():.4f}** above $L^*$ after {EPOCHS} epochs, "
    f"where the course's sweep at η = {DEFAULT_RATE} spread from {per_epoch.min():.3f} to "
    f"{per_epoch.max():.3f}: a tuned rate matters far more than the batch size. The lowest "
    f"mean is batch size {best_size}. The full batch, with its {EPOCHS} updates, ends "
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
# looks best after one epoch with the one that is best after `EPOCHS`:

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
early_rates = pd.DataFrame(
    {
        "tuned η after epoch 1": first.groupby("batch_size").idxmin().str[1],
        f"tuned η after epoch {EPOCHS}": last.groupby("batch_size").idxmin().str[1],
    }
)
rank_correlation = first.loc[common].rank().corr(last.loc[common].rank())
picks

# %%
early_rates

# %% tags=["remove-input"]
early, final_pick = keys
first_rates = early_rates["tuned η after epoch 1"]
last_rates = early_rates[f"tuned η after epoch {EPOCHS}"]
assert early != final_pick, "the first epoch picks another setting"
assert last[early] > 1.5 * last[final_pick], "one that ends worse on the validation rows"
assert early[0] < final_pick[0], "epoch 1 favours a smaller batch"
assert (first_rates != last_rates).sum() >= len(BATCH_SIZES) / 2, "and other rates"
assert first_rates[N_TRAIN] < last_rates[N_TRAIN] / 10, "far too cautious for the full batch"
assert 0 < rank_correlation < 0.95, "the ranking after one epoch is only partly right"

# %% tags=["hide-input"]
Markdown(
    f"After one epoch the best setting is batch size {early[0]} at η = {early[1]:g}; after "
    f"{EPOCHS} epochs it is batch size {final_pick[0]} at η = {final_pick[1]:g}. Chosen "
    f"early, the setting ends with a validation loss of {last[early]:.4f} instead of "
    f"{last[final_pick]:.4f}. The first epoch favours whatever moves fast at the start: "
    "many updates (smaller batches) and rates that are safe for a single step. For "
    f"{(first_rates != last_rates).sum()} of the {len(BATCH_SIZES)} batch sizes it picks "
    "another rate than the full budget does; for the full batch, whose first epoch is a "
    f"single update, η = {first_rates[N_TRAIN]:g} instead of {last_rates[N_TRAIN]:g}. Across "
    f"the {len(common)} settings, the rank correlation between the validation loss after one "
    f"epoch and after {EPOCHS} is {rank_correlation:.2f}: the first epoch sorts the hopeless "
    "settings from the rest, but not the best from the good."
)

# %% [markdown]
# ## It depends on the size of the data set
#
# An epoch makes $n / |B|$ updates: with the same batch size, a larger data set gives more updates
# per epoch. With `EPOCHS` epochs as the budget, the full batch makes `EPOCHS` updates whatever $n$
# is, while batches of 16 make more the more rows there are. Train both on fewer rows, by holding
# out `SMALL_VALIDATION_SIZE` of the training rows instead of `VALIDATION_SIZE`, each tuned again on
# its validation rows (seeds 0 to `SEEDS` − 1), and report the test loss on fresh seeds: the test
# rows are the same for both data-set sizes.

# %%
SMALL_VALIDATION_SIZE = 0.8
sizes = {N_TRAIN: VALIDATION_SIZE}
sizes[len(bgd.split_data(validation_size=SMALL_VALIDATION_SIZE).X_train)] = SMALL_VALIDATION_SIZE
fresh_runs = []
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
    for size, rate in rates.groupby("batch_size").idxmin().str[1].items():
        fresh_runs.append(
            bgd.sweep(
                seeds=REPORT_SEEDS,
                epochs=EPOCHS,
                optimizer="sgd",
                learning_rate=float(rate),
                batch_size=int(size),
                validation_size=held_out,
            )
        )
fresh_runs = pd.concat(fresh_runs, ignore_index=True)
by_size = bgd.compare(
    fresh_runs, by="batch_size", baseline=16, split="test", vary="learning_rate"
).set_index("validation_size")
by_size = pd.DataFrame(
    {
        "training rows": list(sizes),
        "test loss, batches of 16": by_size["baseline_mean"],
        "test loss, full batch": by_size["mean"],
        "full batch − 16: mean": by_size["difference"],
        "standard error": by_size["difference_se"],
    }
).set_index("training rows")
updates = fresh_runs.groupby(["validation_size", "batch_size"])["step"].max()
by_size.round(4)

# %% tags=["remove-input"]
n_small = min(sizes)
difference, error = by_size["full batch − 16: mean"], by_size["standard error"]
assert difference[N_TRAIN] > 3 * error[N_TRAIN], "on the larger set the full batch is behind"
assert abs(difference[n_small]) < 2 * error[n_small], "on the smaller set, not clearly"
assert difference[N_TRAIN] > difference[n_small] + 2 * error.max(), "the gap grows with n"

# %% tags=["hide-input"]
Markdown(
    f"With {N_TRAIN} training rows, the full batch ends "
    f"**{difference[N_TRAIN]:.4f} ± {error[N_TRAIN]:.4f}** above batches of 16 in test "
    f"loss; with {n_small} rows, **{difference[n_small]:+.4f} ± {error[n_small]:.4f}**, "
    "no clear difference (paired mean ± standard error over "
    f"{len(REPORT_SEEDS)} fresh seeds). {EPOCHS} epochs of batches of 16 are "
    f"{updates[(sizes[N_TRAIN], 16)]} updates on the larger set and "
    f"{updates[(sizes[n_small], 16)]} on the smaller, while the full batch takes "
    f"{updates[(sizes[N_TRAIN], N_TRAIN)]} on both. So whether a batch is small is a matter "
    "of $|B|$ relative to $n$: for a fixed number of epochs, the more rows a data set has, "
    "the more the updates of small batches are worth."
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
    "(chosen on validation rows).\n"
    f"- Small batches are too noisy only at too large a rate: at η = {NOISY_RATE:g} batches "
    f"of one end {at_rate.loc[1]:.3f} above $L^*$, at their own rate {tuned_excess.loc[1]:.4f}."
    "\n"
    f"- Each at its tuned rate, every mini-batch size from 1 to {BATCH_SIZES[-2]} ends "
    f"{mini.min():.4f} to {mini.max():.4f} above $L^*$ on fresh seeds, the full batch "
    f"{mean_excess[N_TRAIN]:.4f}. Choose the batch size and the learning rate together.\n"
    "- Judge after the full budget, not after the first epoch, and judge a batch size "
    "relative to the size of the data set."
)
