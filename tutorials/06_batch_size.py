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
# **How many banknotes should each update see? The course's batch-size sweep, measured per
# epoch and per update, with many seeds.**
#
# **What you will learn**
#
# - how the batch size changes the number of updates per epoch, and why that alone makes
#   small batches look faster when you count epochs;
# - how the batch sizes compare at an equal number of updates;
# - how far the usual advice "use batch sizes of 16 to 32" holds on this data, and how the
#   best learning rate grows with the batch size.
#
# The model is again the logistic regression of the earlier lessons, trained with plain
# SGD on standardised features. One update averages the gradient over a mini-batch $B$ of
# $|B|$ training rows:
#
# $$w \leftarrow w - \eta \, \frac{1}{|B|} \sum_{i \in B} \nabla L_i(w).$$
#
# A larger batch gives a less noisy gradient, but an epoch (one pass over the training
# rows) holds fewer of them.

# %%
import math

import pandas as pd
from IPython.display import Markdown

import banknote_gd as bgd

BATCH_SIZES = [16, 32, 64, 128]  # the course's sweep
LEARNING_RATE = 0.01  # the course's (Keras') default SGD learning rate
EPOCHS = 10
SEEDS = 20  # seeds 0 to 19: initial weights and batch order
GRID_RATES = [0.01, 1, 5, 10, 20, 30, 100]  # for the batch size x rate grid


def mean_sd(values: pd.Series) -> str:
    """'mean ± sd' of the values, to three decimals."""
    return f"{values.mean():.3f} ± {values.std():.3f}"


def accuracy_range(accuracies: pd.Series) -> str:
    """'a % to b %' for a series of accuracies, or 'a %' if they round the same."""
    low, high = f"{100 * accuracies.min():.1f} %", f"{100 * accuracies.max():.1f} %"
    return low if low == high else f"{low} to {high}"


def final_values(frame: pd.DataFrame, split: str, metric: str, at: str = "epoch") -> pd.DataFrame:
    """One row per seed, one column per batch size: the value at the last epoch (or step)."""
    last = frame[(frame["split"] == split) & (frame["metric"] == metric)]
    last = last[last[at] == last.groupby("batch_size")[at].transform("max")]
    return last.pivot_table(index="seed", columns="batch_size", values="value")


# %% [markdown]
# ## The course's sweep, with many seeds
#
# The original course trained each batch size once and suggested re-running it a second time
# to see whether the picture holds. Here every batch size is trained with `SEEDS` seeds
# (each seed fixes the initial weights and the order of the rows, the same for every batch
# size).

# %%
course = bgd.sweep(
    {"batch_size": BATCH_SIZES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    learning_rate=LEARNING_RATE,
    standardize=True,
)
grid = bgd.plot_sweep(course, hue="batch_size", split="train")

# %%
course_loss = final_values(course, "train", "loss")
course_accuracy = final_values(course, "test", "accuracy")
summary = pd.DataFrame(
    {
        "final training loss": course_loss.agg(mean_sd),
        "final test accuracy": course_accuracy.agg(mean_sd),
    }
)
summary.index.name = "batch size"
summary

# %%
assert course_loss.mean().is_monotonic_increasing, "per epoch, larger batches should end higher"
assert course_loss.apply(lambda run: run.is_monotonic_increasing, axis=1).all(), (
    "every seed should order the batch sizes the same way"
)
assert course_accuracy.mean().is_monotonic_decreasing, "and less accurate"

# %% tags=["hide-input"]
small, large = BATCH_SIZES[0], BATCH_SIZES[-1]
Markdown(
    f"Counted in epochs, the picture is clear: after {EPOCHS} epochs batches of {small} reach "
    f"a training loss of **{course_loss[small].mean():.3f}** and a test accuracy of "
    f"**{100 * course_accuracy[small].mean():.1f} %**; batches of {large} are still at "
    f"**{course_loss[large].mean():.3f}** and **{100 * course_accuracy[large].mean():.1f} %**. "
    "Every seed puts the batch sizes in this order, but the seeds disagree on the numbers: "
    f"the test accuracy of a single run with batches of {large} lies between "
    f"{100 * course_accuracy[large].min():.1f} % and "
    f"{100 * course_accuracy[large].max():.1f} %. A second run would not have settled much."
)

# %% [markdown]
# ## Updates per epoch
#
# An epoch visits each of the training rows once, `batch_size` rows per update, so it
# takes $\lceil n / |B| \rceil$ updates; when $|B|$ does not divide $n$, the last batch of the
# epoch is smaller. The frame records the number of updates taken so far in its `step`
# column; the table computes it and checks it against the frame.

# %%
n_train = len(bgd.split_data().X_train)
updates = pd.DataFrame(
    {
        "rows / batch size": [n_train / size for size in BATCH_SIZES],
        "updates per epoch": [math.ceil(n_train / size) for size in BATCH_SIZES],
    },
    index=pd.Index(BATCH_SIZES, name="batch size"),
)
in_run = f"updates in {EPOCHS} epochs"
updates[in_run] = EPOCHS * updates["updates per epoch"]
recorded = course[course["epoch"] == EPOCHS].groupby("batch_size")["step"].max()
assert (recorded == updates[in_run]).all(), "the frame should agree"
updates

# %% tags=["hide-input"]
ratio = updates.loc[small, "updates per epoch"] / updates.loc[large, "updates per epoch"]
Markdown(
    f"With {n_train} training rows, batches of {small} make "
    f"**{updates.loc[small, 'updates per epoch']}** updates per epoch, batches of {large} "
    f"only **{updates.loc[large, 'updates per epoch']}** ({n_train} / {large} = "
    f"{n_train / large:g}, rounded up: the last of the {updates.loc[large, 'updates per epoch']} "
    f"batches holds the remaining "
    f"{n_train - (updates.loc[large, 'updates per epoch'] - 1) * large} rows). In the same "
    f"{EPOCHS} epochs the small batches take {ratio:.1f} times as many steps."
)

# %% [markdown]
# ## The same runs, against updates
#
# Plot the same runs against the number of updates instead of epochs (`x="step"`). This
# figure shows the *test* loss and accuracy, measured on the held-out rows at the end of each
# epoch, that is exactly after the number of updates on the axis. The training values are a
# poorer fit for this axis: Keras reports them as the mean over the epoch's batches, each
# measured before its update, so they describe the model as it was on average during the
# epoch, about half an epoch of updates earlier than the step where they are drawn.

# %%
lag = (updates["updates per epoch"] - 1) / 2
grid = bgd.plot_sweep(course, hue="batch_size", x="step", split="test")

# %% tags=["hide-input"]
Markdown(
    f"(That lag is {lag[small]:g} updates for batches of {small} but only {lag[large]:g} for "
    f"batches of {large}: plotted against updates, the training curves of small batches "
    "would look shifted to the right.)"
)

# %% [markdown]
# Against updates the four batch sizes lie on one curve: the large batches simply stop
# earlier. "Small batches converge faster" was a statement about epochs; per update, at this
# learning rate, the batch size hardly seems to matter. To check this with numbers rather
# than by eye, train every batch size for the same number of updates: as many as the smallest
# batches take in `EPOCHS` epochs (the table says how many epochs that takes).

# %%
budget = updates.loc[small, in_run]
epochs_needed = {size: budget // updates.loc[size, "updates per epoch"] for size in BATCH_SIZES}
for size in BATCH_SIZES:
    assert epochs_needed[size] * updates.loc[size, "updates per epoch"] == budget
equal_updates = pd.concat(
    [
        bgd.sweep(
            seeds=SEEDS,
            epochs=int(epochs_needed[size]),
            optimizer="sgd",
            learning_rate=LEARNING_RATE,
            batch_size=size,
            standardize=True,
        )
        for size in BATCH_SIZES
    ],
    ignore_index=True,
)
equal_loss = final_values(equal_updates, "test", "loss")
equal_accuracy = final_values(equal_updates, "test", "accuracy")
at_equal_updates = pd.DataFrame(
    {
        "epochs": pd.Series(epochs_needed),
        "rows read": pd.Series(epochs_needed) * n_train,
        "test loss": equal_loss.agg(mean_sd),
        "test accuracy": equal_accuracy.agg(mean_sd),
    }
)
at_equal_updates.index.name = f"batch size ({budget} updates)"
at_equal_updates

# %%
loss_gap_per_update = equal_loss.mean().max() - equal_loss.mean().min()
course_test_loss = final_values(course, "test", "loss").mean()
test_gap_per_epoch = course_test_loss.max() - course_test_loss.min()
assert loss_gap_per_update < 0.01 * test_gap_per_epoch, "per update, the gap should vanish"

# %% tags=["hide-input"]
Markdown(
    f"After {budget} updates every batch size reaches the same mean test loss, to within "
    f"**{loss_gap_per_update:.1e}** (after {EPOCHS} epochs the gap in test loss was "
    f"{test_gap_per_epoch:.3f}, more than "
    f"{10 ** math.floor(math.log10(test_gap_per_epoch / loss_gap_per_update)):,} times "
    f"larger), and the same test accuracy, {accuracy_range(equal_accuracy.mean())}. "
    f"At $\\eta = {LEARNING_RATE}$ each step is so short that the noise of a small batch "
    "averages out over the following steps: what counts is how many steps were taken, not "
    f"how many rows each one saw. The large batches paid for it in data: batches of {large} "
    f"read {epochs_needed[large] * n_train:,} rows to get where batches of {small} got "
    f"after {epochs_needed[small] * n_train:,}."
)

# %% [markdown]
# ## Is "use batch sizes of 16 to 32" good advice?
#
# So far, yes — at a fixed number of epochs and the default learning rate. But if the
# large batches take fewer steps that are just as good, they can take *longer* steps. Since
# an epoch with batches of $|B|$ makes about $n/|B|$ updates, one natural rule is to scale
# the learning rate with the batch size, $\eta = \eta_0 \cdot |B| / |B_0|$, with $\eta_0$ the
# default rate and $|B_0|$ the smallest batch size, so that an epoch moves the weights as far
# for every batch size:

# %%
scaled = pd.concat(
    [
        bgd.sweep(
            seeds=SEEDS,
            epochs=EPOCHS,
            optimizer="sgd",
            learning_rate=LEARNING_RATE * size / small,
            batch_size=size,
            standardize=True,
        )
        for size in BATCH_SIZES
    ],
    ignore_index=True,
)
grid = bgd.plot_sweep(
    scaled,
    hue="batch_size",
    split="train",
    title=f"Learning rate scaled with the batch size: {LEARNING_RATE} × batch size / {small}",
)

# %%
scaled_loss = final_values(scaled, "train", "loss")
scaled_gap = scaled_loss.mean().max() - scaled_loss.mean().min()
loss_gap_per_epoch = course_loss.mean().max() - course_loss.mean().min()
assert scaled_gap < 0.1 * loss_gap_per_epoch, "scaled rates should close most of the gap"
assert scaled_loss.mean().idxmin() == large, "the largest batch should end lowest"
# learning rate x updates per epoch: roughly how far one epoch moves the weights
distance = {
    size: LEARNING_RATE * size / small * updates.loc[size, "updates per epoch"]
    for size in BATCH_SIZES
}

# %% tags=["hide-input"]
Markdown(
    f"With the scaled rates the curves per epoch nearly coincide: the final training losses "
    f"differ by **{scaled_gap:.3f}** instead of {loss_gap_per_epoch:.3f}. (Batches of "
    f"{large} end slightly lower: they take {updates.loc[large, 'updates per epoch']} "
    f"updates per epoch, not {n_train / large:g}, so learning rate × updates per epoch is "
    f"{distance[large]:.2f} for them against {distance[small]:.2f} for the others.)"
)

# %% [markdown]
# ## The best learning rate for each batch size
#
# Scaling the rate shows that large batches are not slow by nature. Which rate is *best* for
# each batch size? Train a grid of batch sizes × learning rates, 10 epochs each, and look at
# the mean final training loss (lowest in each row highlighted):

# %%
rate_grid = bgd.sweep(
    {"batch_size": BATCH_SIZES, "learning_rate": GRID_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    standardize=True,
)
last_epoch = rate_grid[rate_grid["epoch"] == EPOCHS]
grid_loss = last_epoch[
    (last_epoch["split"] == "train") & (last_epoch["metric"] == "loss")
].pivot_table(index="batch_size", columns="learning_rate", values="value")
grid_accuracy = last_epoch[
    (last_epoch["split"] == "test") & (last_epoch["metric"] == "accuracy")
].pivot_table(index="batch_size", columns="learning_rate", values="value")
shown = grid_loss.rename_axis(index="batch size", columns="learning rate").style
shown.format("{:.3f}").format_index("{:g}", axis=1).highlight_min(axis=1, props="font-weight: bold")

# %%
best_rate = grid_loss.idxmin(axis=1)
best = pd.DataFrame(
    {
        "best learning rate": best_rate,
        "training loss there": grid_loss.min(axis=1),
        "test accuracy there": [grid_accuracy.loc[size, best_rate[size]] for size in BATCH_SIZES],
        f"test accuracy at {LEARNING_RATE}": grid_accuracy[LEARNING_RATE],
    }
)
best.index.name = "batch size"
best.round(4)

# %%
assert best_rate.is_monotonic_increasing and best_rate[large] > best_rate[small], (
    "the best learning rate should grow with the batch size"
)
assert rate_grid["diverged"].sum() == 0, "no run of the grid should diverge"
largest_rate = GRID_RATES[-1]
assert grid_loss.loc[small, largest_rate] > grid_loss.loc[large, largest_rate], (
    "at the largest rate, small batches should suffer most from their noise"
)
accuracy_spread = best["test accuracy there"].max() - best["test accuracy there"].min()
assert accuracy_spread < 0.01, "tuned, every batch size should be about as accurate"

# %% tags=["hide-input"]
Markdown(
    "The best learning rate grows with the batch size: "
    + ", ".join(f"**{best_rate[size]:g}** for {size}" for size in BATCH_SIZES)
    + f". At its best rate every batch size reaches a test accuracy within "
    f"{100 * accuracy_spread:.1f} percentage points of the others "
    f"({accuracy_range(best['test accuracy there'])}) in the same {EPOCHS} epochs. "
    f"Beyond the best rate the noise of small batches costs: at $\\eta = {largest_rate:g}$ "
    f"batches of {small} end at a training loss of {grid_loss.loc[small, largest_rate]:.3f}, "
    f"batches of {large} at {grid_loss.loc[large, largest_rate]:.3f}. "
    "These best rates are far above the default 0.01: plain logistic regression on "
    "standardised features is a very forgiving problem, and no run of the grid diverged."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- At the default learning rate {LEARNING_RATE} and a budget of {EPOCHS} epochs, small "
    f"batches win: a training loss of {course_loss[small].mean():.3f} with batches of "
    f"{small} against {course_loss[large].mean():.3f} with batches of {large} (means over "
    f"{SEEDS} seeds). The course's advice holds in that setting.\n"
    f"- The reason is the number of updates: {updates.loc[small, 'updates per epoch']} per "
    f"epoch with batches of {small}, {updates.loc[large, 'updates per epoch']} with batches "
    f"of {large}. At an equal number of updates ({budget}) the batch sizes end within "
    f"{loss_gap_per_update:.1e} of each other in test loss.\n"
    f"- The advice is about the default learning rate, not about large batches: with the "
    f"rate scaled by the batch size the gap in training loss after {EPOCHS} epochs shrinks "
    f"from {loss_gap_per_epoch:.3f} to {scaled_gap:.3f}, and with "
    f"the best rate of each batch size (from {best_rate[small]:g} for {small} to "
    f"{best_rate[large]:g} for {large}) every batch size reaches a test accuracy of "
    f"{accuracy_range(best['test accuracy there'])} in {EPOCHS} epochs.\n"
    "- So choose the batch size and the learning rate together: a larger batch wants a larger "
    "rate."
)

# %% [markdown]
# Next: instead of one learning rate for the whole training, change it as training goes on.
# [Lesson 7: Learning-rate schedules](07_schedules.py)
