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
# # Learning-rate schedules
#
# **Start with big steps, end with small ones: decaying the learning rate during training.**
#
# In the update $w \leftarrow w - \eta \nabla L(w)$ nothing forces the learning rate $\eta$
# to stay the same for the whole run. A *learning-rate schedule* makes it a function of the
# update number $t$: $\eta_t$. Large early steps cover the distance to the minimum quickly;
# small late steps stop the noise of mini-batch gradients from kicking the weights around the
# minimum.
#
# **What you will learn**
#
# - the six schedules of the package (constant, step, exponential, inverse time, cosine,
#   cosine with warm-up) and how Keras defines them;
# - when decay helps and when it only slows training down;
# - that decay lets you start with a learning rate at which a constant rate is noisy, and
#   still settle: a lower loss, and runs that agree across seeds.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown
from matplotlib.ticker import FuncFormatter, LogLocator

import banknote_gd as bgd

EPOCHS = 10
BATCH_SIZE = 16
SEEDS = 20
LEARNING_RATES = [0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
MODERATE_RATE = 1.0
SCHEDULES = bgd.available_schedules()
DECAYING = [name for name in SCHEDULES if name != "constant"]

split = bgd.split_data()
updates_per_epoch = int(np.ceil(len(split.X_train) / BATCH_SIZE))
total_updates = EPOCHS * updates_per_epoch
Markdown(
    f"Every run in this lesson trains plain SGD for {EPOCHS} epochs with batches of "
    f"{BATCH_SIZE} of the {len(split.X_train)} training rows: {updates_per_epoch} updates per "
    f"epoch, **{total_updates} updates** in all."
)

# %% [markdown]
# ## The schedules
#
# Each schedule is defined relative to the length of the run, $T$ updates, and the initial
# (for warm-up: the peak) learning rate $\eta_0$. They are Keras
# `LearningRateSchedule` objects (see `src/banknote_gd/schedules.py`):
#
# - **constant**: $\eta_t = \eta_0$ (a plain number, no schedule).
# - **step** (`PiecewiseConstantDecay`): $\eta_0$, then $\eta_0/10$ from half-way, then
#   $\eta_0/100$ for the last quarter.
# - **exponential** (`ExponentialDecay`): $\eta_t = \eta_0 \cdot 0.1^{t/T}$, a smooth fall
#   to a tenth by the end.
# - **inverse_time** (`InverseTimeDecay`): $\eta_t = \eta_0 / (1 + 10\,t/T)$, falls fast
#   at first, then slowly, to an eleventh.
# - **cosine** (`CosineDecay`): $\eta_t = \eta_0 \, (1 + \cos(\pi t/T))/2$, half a cosine
#   wave down to 0.
# - **warmup_cosine** (`CosineDecay` with `warmup_steps`): rises linearly from 0 to
#   $\eta_0$ over the first tenth of the run, then a cosine down to 0.
#
# `bgd.learning_rates(name, learning_rate, total_steps)` gives the learning rate that Keras's
# optimizer uses at each update. We collect them in a tidy frame, check the definitions above
# against it, and plot them.

# %%
schedule_values = pd.concat(
    pd.DataFrame(
        {
            "schedule": name,
            "update": np.arange(total_updates),
            "learning rate / initial rate": bgd.learning_rates(name, 1.0, total_updates),
        }
    )
    for name in SCHEDULES
)
by_schedule = {
    name: group["learning rate / initial rate"].to_numpy()
    for name, group in schedule_values.groupby("schedule")
}
assert np.allclose(by_schedule["constant"], 1.0)
assert np.isclose(by_schedule["step"][-1], 0.01), "step should end at a hundredth"
assert np.isclose(by_schedule["exponential"][-1], 0.1, rtol=0.01), "exponential: to 1/10"
assert np.isclose(by_schedule["inverse_time"][-1], 1 / 11, rtol=0.01), "inverse time: 1/11"
assert by_schedule["cosine"][-1] < 1e-3, "cosine should end near 0"
assert by_schedule["warmup_cosine"][0] == 0, "warm-up starts from 0"
assert np.argmax(by_schedule["warmup_cosine"]) == total_updates // 10, "peak after 1/10"
schedule_values.groupby("schedule", sort=False)["learning rate / initial rate"].agg(
    ["first", "max", "last"]
).round(4)

# %%
with sns.axes_style("whitegrid"):
    grid = sns.relplot(
        data=schedule_values,
        x="update",
        y="learning rate / initial rate",
        col="schedule",
        col_wrap=3,
        kind="line",
        height=2.6,
        aspect=1.3,
        linewidth=2.5,
        color=sns.color_palette("colorblind")[0],
    )
    grid.set_titles("{col_name}")
    grid.set_axis_labels("update $t$", "$\\eta_t / \\eta_0$")
    for ax in grid.axes.flat:
        for epoch in range(1, EPOCHS):
            ax.axvline(epoch * updates_per_epoch, color="0.85", lw=0.8, zorder=0)
    grid.figure.suptitle(
        f"The six schedules over a run of {total_updates} updates (thin lines: epoch boundaries)",
        y=1.03,
    )
# %% [markdown]
# Every decaying schedule takes, in total, smaller steps than the constant rate with the
# same $\eta_0$: the area under its curve is smaller. The next cell averages
# $\eta_t/\eta_0$ over the run. Decay is therefore never free: at the same initial rate, it
# leaves less of the run for moving towards the minimum.

# %%
step_budget = schedule_values.groupby("schedule", sort=False)["learning rate / initial rate"].mean()
assert (step_budget[DECAYING] < step_budget["constant"]).all()
Markdown(
    "Average of $\\eta_t/\\eta_0$ over the run: "
    + ", ".join(f"{name} **{value:.2f}**" for name, value in step_budget.items())
    + "."
)

# %% [markdown]
# ## Every schedule at every initial rate
#
# We train every schedule at every initial learning rate of `LEARNING_RATES`, each with
# the same seeds: a seed fixes the initial weights and the order of the batches, so the
# schedules differ only in their step sizes. This is one call of `bgd.sweep`.

# %%
frame = bgd.sweep(
    {"learning_rate": LEARNING_RATES, "schedule": SCHEDULES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    optimizer="sgd",
)
assert not frame["diverged"].any(), "no run should diverge at these rates"
last_epoch = frame[frame["epoch"] == frame["epoch"].max()]
final_train_loss = last_epoch.query("split == 'train' and metric == 'loss'")
final_test_accuracy = last_epoch.query("split == 'test' and metric == 'accuracy'")
mean_final_loss = final_train_loss.pivot_table(
    index="schedule", columns="learning_rate", values="value", aggfunc="mean", sort=False
)
print(
    f"{frame['seed'].nunique()} seeds x {len(LEARNING_RATES)} rates x {len(SCHEDULES)} "
    f"schedules = {frame.groupby(list(bgd.RUN_COLUMNS)).ngroups} runs"
)
mean_final_loss.round(4)

# %% [markdown]
# The table holds the mean over seeds of the final training loss (the mean over the last
# epoch's batches). The same numbers as a figure, on logarithmic axes, with the 95 % band
# of the mean across seeds:

# %%
with sns.axes_style("whitegrid"):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    sns.lineplot(
        data=final_train_loss,
        x="learning_rate",
        y="value",
        hue="schedule",
        hue_order=SCHEDULES,
        style="schedule",
        markers=True,
        dashes=False,
        palette="colorblind",
        errorbar=("ci", 95),
        seed=0,
        ax=ax,
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="initial learning rate $\\eta_0$",
        ylabel="final training loss (binary cross-entropy)",
        title=f"Final training loss after {EPOCHS} epochs, mean and 95 % band over {SEEDS} seeds",
    )
    ax.set_xticks(LEARNING_RATES, [f"{rate:g}" for rate in LEARNING_RATES])
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.02, not 2 x 10^-2
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))  # label 0.02, 0.03, 0.05
    ax.yaxis.set_minor_formatter(plain)
    ax.legend(title="schedule", bbox_to_anchor=(1.02, 1), loc="upper left")

# %% [markdown]
# Two regimes show:
#
# - **At small rates the constant schedule wins.** The run is still travelling towards the
#   minimum when it ends; decaying the rate only shortens the steps it still needs.
# - **At large rates the constant schedule loses.** Its loss rises again as $\eta_0$ grows,
#   because each update overshoots by an amount that depends on the batch; the decaying
#   schedules keep improving to larger initial rates, and their best loss is lower than the
#   best the constant rate reaches at any rate.

# %%
best_rate = mean_final_loss.idxmin(axis=1)
best_loss = mean_final_loss.min(axis=1)
LARGE_RATE = float(best_rate[DECAYING][best_loss[DECAYING].idxmin()])
small = min(LEARNING_RATES)
assert (mean_final_loss.loc[DECAYING, small] > mean_final_loss.loc["constant", small]).all()
assert (
    mean_final_loss.loc[DECAYING, LARGE_RATE] < mean_final_loss.loc["constant", LARGE_RATE]
).all()
assert best_loss[DECAYING].min() < best_loss["constant"], "decay should reach a lower loss"
assert best_rate["constant"] < LARGE_RATE
assert (best_rate[DECAYING] > best_rate["constant"]).all(), "decay should like larger rates"
assert mean_final_loss.loc["constant", max(LEARNING_RATES)] > best_loss["constant"]
Markdown(
    f"The constant rate does best at $\\eta_0$ = {best_rate['constant']:g} (final loss "
    f"**{best_loss['constant']:.4f}**). The lowest loss of all, "
    f"**{best_loss[DECAYING].min():.4f}**, "
    f"comes from the {best_loss[DECAYING].idxmin()} schedule at $\\eta_0$ = {LARGE_RATE:g}. "
    f"We look at the runs at {MODERATE_RATE:g} and at {LARGE_RATE:g} more closely."
)

# %% [markdown]
# ## A moderate rate: decay only slows down
#
# At the moderate rate the decaying schedules fall behind as their steps shrink, while the
# constant rate keeps descending and ends lowest. Warm-up costs the first epoch: its rate
# starts from 0.

# %%
moderate = frame[frame["learning_rate"] == MODERATE_RATE]
grid = bgd.plot_sweep(moderate, hue="schedule", log_y=True)
# %% tags=["hide-input"]
assert mean_final_loss[MODERATE_RATE].idxmin() == "constant"
first_epoch_loss = moderate.query("epoch == 1 and split == 'train' and metric == 'loss'")
first_epoch_loss = first_epoch_loss.groupby("schedule")["value"].mean()
assert first_epoch_loss.idxmax() == "warmup_cosine", "warm-up should start slowest"
Markdown(
    f"At $\\eta_0$ = {MODERATE_RATE:g} the constant rate ends at **"
    f"{mean_final_loss.loc['constant', MODERATE_RATE]:.4f}**; the decaying schedules end "
    f"between **{mean_final_loss.loc[DECAYING, MODERATE_RATE].min():.4f}** and **"
    f"{mean_final_loss.loc[DECAYING, MODERATE_RATE].max():.4f}**."
)

# %% [markdown]
# ## A large rate: decay lets the run settle
#
# At the large rate the picture turns around. The constant rate's loss stops improving
# after a couple of epochs: it hovers at a level set by the noise of its large steps. Each
# decaying schedule comes down once its rate has fallen far enough: inverse time and
# exponential decay, which cut the rate earliest, come down first; step and cosine decay,
# which keep the rate high for longest, come down last but end lowest. (Step decay's drop
# half-way through the run is plain to see.)

# %%
large = frame[frame["learning_rate"] == LARGE_RATE]
grid = bgd.plot_sweep(large, hue="schedule", log_y=True)
# %%
large_loss = large.query("split == 'train' and metric == 'loss'").pivot_table(
    index="epoch", columns="schedule", values="value", aggfunc="mean"
)
early, late = ["inverse_time", "exponential"], ["step", "cosine"]
assert large_loss.loc[3, early].max() < large_loss.loc[3, late].min(), "early cutters first"
assert large_loss.loc[EPOCHS, late].max() < large_loss.loc[EPOCHS, early].min(), "late end lower"
assert (large_loss.loc[EPOCHS, DECAYING] < large_loss.loc[EPOCHS, "constant"]).all()
Markdown(
    "Mean training loss after epoch 2 and after the last epoch: "
    + ", ".join(
        f"{name} **{large_loss.loc[2, name]:.3f}** → **{large_loss.loc[EPOCHS, name]:.3f}**"
        for name in SCHEDULES
    )
    + "."
)

# %% [markdown]
# The spread across seeds, computed: the mean and standard deviation over the seeds of the
# final training loss and of the final test accuracy (on the held-out rows), per schedule.

# %%
spread = pd.concat(
    {
        "train loss": final_train_loss[final_train_loss["learning_rate"] == LARGE_RATE]
        .groupby("schedule", sort=False)["value"]
        .agg(["mean", "std"]),
        "test accuracy": final_test_accuracy[final_test_accuracy["learning_rate"] == LARGE_RATE]
        .groupby("schedule", sort=False)["value"]
        .agg(["mean", "std"]),
    },
    axis=1,
).rename(columns={"std": "sd"})
spread.round(4)

# %% tags=["hide-input"]
loss_sd = spread[("train loss", "sd")]
accuracy_sd = spread[("test accuracy", "sd")]
accuracy_mean = spread[("test accuracy", "mean")]
assert (loss_sd[DECAYING] < loss_sd["constant"]).all(), "decay should shrink the spread"
assert (accuracy_sd[DECAYING] < accuracy_sd["constant"]).all()
assert (accuracy_mean[DECAYING] > accuracy_mean["constant"]).all()
n_test = len(split.y_test)
gain = accuracy_mean[DECAYING] - accuracy_mean["constant"]
Markdown(
    f"At $\\eta_0$ = {LARGE_RATE:g} the standard deviation of the final training loss is "
    f"**{loss_sd['constant']:.4f}** with the constant rate and between "
    f"**{loss_sd[DECAYING].min():.4f}** and **{loss_sd[DECAYING].max():.4f}** with decay: "
    f"**{loss_sd['constant'] / loss_sd[DECAYING].max():.0f} to "
    f"{loss_sd['constant'] / loss_sd[DECAYING].min():.0f} times smaller**. The test accuracy "
    f"also varies less (sd {accuracy_sd['constant']:.4f} against "
    f"{accuracy_sd[DECAYING].min():.4f} to {accuracy_sd[DECAYING].max():.4f}) and is higher "
    f"on average, but only by {gain.min():.4f} to {gain.max():.4f}, that is "
    f"{gain.min() * n_test:.1f} to {gain.max() * n_test:.1f} of the {n_test} test notes: the "
    f"schedule changes the loss far more than the accuracy."
)

# %% [markdown]
# **Which decay?** Step, exponential, inverse time and cosine decay all work here; they
# differ in how long they keep the rate high (the averages of $\eta_t/\eta_0$ above).
# Warm-up exists for models whose first updates are dangerous: deep networks, or Adam, whose
# step-size statistics are unreliable in the first few updates. Our model is a single linear
# layer with a convex loss, so warm-up changes little here:

# %% tags=["hide-input"]
warmup_difference = (mean_final_loss.loc["warmup_cosine"] - mean_final_loss.loc["cosine"]).abs()
relative = warmup_difference / mean_final_loss.loc["cosine"]
Markdown(
    f"Over all {len(LEARNING_RATES)} initial rates, warm-up changes the mean final loss of "
    f"cosine decay by at most **{relative.max():.0%}**."
)

# %% [markdown]
# ## Conclusion
#
# - A schedule makes the learning rate a function of the update, $\eta_t$; Keras provides
#   them as `LearningRateSchedule` objects that the optimizer calls at every update.
# - With a rate that is still too small for the budget, decay only costs: the constant rate
#   ends lower.
# - With a large initial rate, decay gives the best of both: big steps early, small steps at
#   the end, so the run settles and the seeds agree.

# %% tags=["hide-input"]
Markdown(
    f"In numbers ({SEEDS} seeds, {EPOCHS} epochs, batch size {BATCH_SIZE}): the best constant "
    f"rate ({best_rate['constant']:g}) ends at a training loss of "
    f"**{best_loss['constant']:.4f}**, the best schedule ({best_loss[DECAYING].idxmin()} from "
    f"{LARGE_RATE:g}) at **{best_loss[DECAYING].min():.4f}**; at $\\eta_0$ = {LARGE_RATE:g} "
    f"decay shrinks the seed-to-seed standard deviation of the final loss from "
    f"**{loss_sd['constant']:.4f}** to at most **{loss_sd[DECAYING].max():.4f}**."
)

# %% [markdown]
# So far every run used plain SGD. The next lesson changes the update rule itself: momentum,
# and optimizers that adapt the step size of each weight.
#
# Next: [Lesson 8: Optimizers](08_optimizers.py)
