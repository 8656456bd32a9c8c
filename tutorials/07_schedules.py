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
# - how to compare schedules fairly: each at its own initial rate, chosen with one set of
#   seeds, reported on fresh seeds as paired differences with their uncertainty, and
#   measured against the lowest loss the model can reach;
# - why a small validation set can choose the wrong rate for the question asked;
# - when decay helps (a large initial rate: the run settles) and when it only slows training
#   down (a rate that is still too small for the budget).

# %%
import itertools

import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown
from matplotlib.ticker import LogLocator

import banknote_gd as bgd

bgd.set_style()

EPOCHS = 10
BATCH_SIZE = 16
SEEDS = 10  # seeds 0 to 9 choose the settings, seeds 10 to 19 report them
FRESH_SEEDS = list(range(SEEDS, 2 * SEEDS))
VALIDATION_SIZE = 0.2  # share of the training rows held out of the tuning runs
LEARNING_RATES = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0]
MODERATE_RATE = 1.0
SCHEDULES = bgd.available_schedules()
DECAYING = [name for name in SCHEDULES if name != "constant"]

split = bgd.split_data()
updates_per_epoch = int(np.ceil(len(split.X_train) / BATCH_SIZE))
total_updates = EPOCHS * updates_per_epoch
Markdown(
    f"Every run in this lesson trains plain SGD for {EPOCHS} epochs with batches of "
    f"{BATCH_SIZE}. On all {len(split.X_train)} training rows that is {updates_per_epoch} "
    f"updates per epoch, **{total_updates} updates** in all."
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
# **At the same $\eta_0$ a decaying schedule travels less.** The area under each curve is the
# sum of the step sizes the run is allowed; its mean over the run, $\overline{\eta_t/\eta_0}$,
# follows from the definitions: $\tfrac12 + \tfrac14 \cdot \tfrac1{10} +
# \tfrac14 \cdot \tfrac1{100}$ for step decay, $0.9/\ln 10$ for exponential decay,
# $\ln(11)/10$ for inverse time and $\tfrac12$ for cosine decay with or without warm-up. The
# package's schedules match these values (checked in the next cell). So comparing schedules at
# one shared $\eta_0$ would hand the constant rate about two to four times the budget of step
# size (the exact range is in the next cell); a fair comparison gives every schedule its *own*
# best $\eta_0$.

# %%
step_budget = schedule_values.groupby("schedule", sort=False)["learning rate / initial rate"].mean()
expected_budget = pd.Series(
    {
        "constant": 1.0,
        "step": 0.5 + 0.25 / 10 + 0.25 / 100,
        "exponential": 0.9 / np.log(10),
        "inverse_time": np.log(11) / 10,
        "cosine": 0.5,
        "warmup_cosine": 0.5,
    }
)
assert np.allclose(step_budget[SCHEDULES], expected_budget[SCHEDULES], rtol=0.02), (
    "the mean of eta_t/eta_0 over the run should follow from each schedule's definition"
)
budget_ratio = 1 / step_budget[DECAYING]  # the constant rate's budget over each schedule's
assert 1.5 < budget_ratio.min() and budget_ratio.max() < 5, "about two to four times"
assert 0.2 < step_budget[DECAYING].min() and step_budget[DECAYING].max() < 0.6, "1/4 to 1/2"
Markdown(
    "Mean of $\\eta_t/\\eta_0$ over the run: "
    + ", ".join(f"{name} **{value:.2f}**" for name, value in step_budget.items())
    + f". At one shared $\\eta_0$ the constant rate would get **{budget_ratio.min():.1f}** "
    f"(against {budget_ratio.idxmin()}) to **{budget_ratio.max():.1f}** (against "
    f"{budget_ratio.idxmax()}) times the total step of a decaying schedule."
)

# %% [markdown]
# ## The yardstick: the lowest loss there is
#
# Our model is a logistic regression, whose training loss has a single minimum. Newton's
# method finds it in a few steps (`bgd.optimum`): its loss $L^*$ is the floor no optimizer
# and no schedule can go below on these training rows. We report every result as the
# *excess loss* $L - L^*$: how far above the floor a run ends. Two final losses that look
# close can sit at very different distances from the floor.

# %%
optimum = bgd.optimum()
L_STAR = optimum.loss
Markdown(
    f"$L^*$ = **{L_STAR:.5f}** (mean binary cross-entropy on the {len(split.X_train)} "
    f"training rows, after {optimum.iterations} Newton steps); the weights at the optimum "
    f"classify {100 * optimum.test_accuracy:.1f} % of the test notes correctly."
)

# %% [markdown]
# ## Choosing each schedule's initial rate
#
# We train every schedule at every initial rate of `LEARNING_RATES` with seeds 0 to 9
# (`SEEDS`). A seed fixes the initial weights and the order of the batches, the same for every
# schedule, so the schedules differ only in their step sizes. A fifth of the training rows
# (`VALIDATION_SIZE`) is held out of these runs as *validation* rows.
#
# The question of this lesson is how close each schedule takes the training loss to its
# floor within the budget, so each schedule's initial rate is chosen on that: the excess
# training loss of the final weights, on the rows these runs train on (whose own floor
# `bgd.optimum` gives), averaged over the seeds. The validation rows give a second opinion.
# Neither the test rows nor the seeds we report on later play any part in the choice.

# %%
tuning = bgd.sweep(
    {"learning_rate": LEARNING_RATES, "schedule": SCHEDULES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    optimizer="sgd",
    validation_size=VALIDATION_SIZE,
)
assert not tuning["diverged"].any(), "no run should diverge at these rates"
tuning_split = bgd.split_data(validation_size=VALIDATION_SIZE)
tuning_optimum = bgd.optimum(tuning_split)
choice = pd.concat(
    [
        bgd.final_values(bgd.excess_loss(tuning, tuning_optimum), split="train").assign(
            criterion="excess training loss $L - L^*$"
        ),
        bgd.final_values(tuning, split="validation").assign(criterion="validation loss"),
    ],
    ignore_index=True,
)
mean_choice = choice.pivot_table(
    index=["criterion", "schedule"], columns="learning_rate", values="value", sort=False
)
mean_excess = mean_choice.loc["excess training loss $L - L^*$"]
chosen_rate = mean_excess.idxmin(axis=1)
validation_choice = mean_choice.loc["validation loss"].idxmin(axis=1)
tuning_updates = EPOCHS * int(np.ceil(len(tuning_split.y_train) / BATCH_SIZE))
print(
    f"{tuning['seed'].nunique()} seeds x {len(LEARNING_RATES)} rates x {len(SCHEDULES)} "
    f"schedules = {tuning.groupby(list(bgd.RUN_COLUMNS)).ngroups} runs, each training on "
    f"{len(tuning_split.y_train)} rows ({len(tuning_split.y_val)} held out for validation): "
    f"{tuning_updates} updates, against {total_updates} in the runs reported below"
)
mean_excess.round(4)

# %% [markdown]
# The table holds the mean over seeds 0 to 9 of the excess training loss after the last
# epoch. The figure shows it (left, each schedule's chosen rate ringed) next to the loss on
# the validation rows (right):

# %%
with sns.axes_style("whitegrid"):
    grid = sns.relplot(
        data=choice,
        x="learning_rate",
        y="value",
        hue="schedule",
        hue_order=SCHEDULES,
        style="schedule",
        markers=True,
        dashes=False,
        palette=bgd.hue_palette(len(SCHEDULES)),  # the colours of the sweep figures below
        col="criterion",
        kind="line",
        errorbar=bgd.BootstrapCI(95),  # seaborn's ("ci", 95) interval, faster
        height=3.8,
        aspect=1.05,
        facet_kws={"sharey": False},
    )
    palette = dict(zip(SCHEDULES, bgd.hue_palette(len(SCHEDULES))))
    left = grid.axes.flat[0]
    for name in SCHEDULES:
        rate = chosen_rate[name]
        left.scatter(
            rate,
            mean_excess.loc[name, rate],
            s=220,
            facecolors="none",
            edgecolors=palette[name],
            linewidths=2,
            zorder=5,
        )
    for ax, label in zip(grid.axes.flat, ["excess training loss $L - L^*$", "validation loss"]):
        ax.set(
            xscale="log",
            xlabel="initial learning rate $\\eta_0$",
            ylabel=label,
            title=label,
        )
        ax.set_xticks(LEARNING_RATES, [f"{rate:g}" for rate in LEARNING_RATES])
        bgd.log_axis(ax, axis="y")  # plain numbers: 0.02, not 2 x 10^-2
    grid.figure.suptitle(
        f"Choosing $\\eta_0$ with seeds 0 to {SEEDS - 1} (ring: chosen, lowest mean excess loss)\n"
        f"line: mean; band: 95 % bootstrap interval of the mean over {SEEDS} seeds",
        fontsize="medium",
    )
    grid.tight_layout()

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&batch_size=16&schedule=cosine&view=ucurve)
#
# Every curve on the left is a valley: too small an $\eta_0$ leaves the run short of the
# minimum, too large a one leaves it bouncing around it. The decaying schedules' valleys sit
# at larger rates than the constant rate's: they can afford big early steps because they
# shrink them later.

# %% tags=["remove-input"]
assert all(LEARNING_RATES[0] < chosen_rate[name] < LEARNING_RATES[-1] for name in SCHEDULES), (
    "every chosen rate should lie inside the grid, not at its edge"
)
assert (chosen_rate[DECAYING] > chosen_rate["constant"]).all(), "decay should like larger rates"

# %% [markdown]
# The sweeps record losses and accuracies, not weights. To look at the final weights
# themselves we replay runs in NumPy: the same initial weights (`bgd.initial_weights`), batch
# order (`bgd.batch_order`) and learning rate at every update (`bgd.learning_rates`), in
# float32 like the sweeps. The replay follows the sweep's runs, though not bit for bit: the
# cell prints how far its final training losses lie from the sweep's.


# %%
def final_weights(data, schedule, learning_rate, seeds):
    """Final weights and bias (one row per seed) of the sweep's SGD runs, replayed in NumPy."""
    n = len(data.y_train)
    A = np.hstack([data.X_train, np.ones((n, 1))]).astype(np.float32)
    y = np.asarray(data.y_train, dtype=np.float32)
    rates = bgd.learning_rates(schedule, learning_rate, EPOCHS * int(np.ceil(n / BATCH_SIZE)))
    d = A.shape[1] - 1
    theta = np.stack([np.append(*bgd.initial_weights(seed, n_features=d)) for seed in seeds])
    orders = np.stack([bgd.batch_order(seed, n_samples=n, epochs=EPOCHS) for seed in seeds])
    batches = [
        orders[:, epoch, i : i + BATCH_SIZE]
        for epoch in range(EPOCHS)
        for i in range(0, n, BATCH_SIZE)
    ]
    for rate, rows in zip(rates, batches, strict=True):  # rows: (seeds, batch)
        residual = bgd.by_hand.sigmoid(np.einsum("mbd,md->mb", A[rows], theta)) - y[rows]
        gradient = np.einsum("mb,mbd->md", residual, A[rows]) / rows.shape[1]
        theta = theta - rate * gradient.astype(np.float32)
    return theta


tuning_loss = bgd.final_values(tuning, split="train", metric="loss")
replayed, deviation = {}, {}
for name in SCHEDULES:
    for rate in {chosen_rate[name], validation_choice[name]}:
        theta = final_weights(tuning_split, name, rate, range(SEEDS))
        replayed[name, rate] = theta
        loss = [
            bgd.logistic_loss(t[:-1], t[-1], tuning_split.X_train, tuning_split.y_train)
            for t in theta
        ]
        swept = tuning_loss.query("schedule == @name and learning_rate == @rate").sort_values(
            "seed"
        )
        deviation[name, rate] = np.max(np.abs(np.asarray(loss) / swept["value"] - 1))
at_chosen = max(deviation[name, chosen_rate[name]] for name in SCHEDULES)
assert at_chosen < 1e-3 and max(deviation.values()) < 0.1, "the replay should follow the sweep"
print(
    f"{len(replayed)} settings x {SEEDS} seeds replayed. Largest relative deviation of the "
    f"final training loss from the sweep's: {at_chosen:.1e} at the chosen rates, "
    f"{max(deviation.values()):.1%} overall (at the larger rates, float rounding grows along "
    "the path)"
)

# %% tags=["hide-input"]
best_schedule = mean_excess.min(axis=1)[DECAYING].idxmin()
LARGE_RATE = float(chosen_rate[best_schedule])
disagree = [name for name in SCHEDULES if validation_choice[name] != chosen_rate[name]]
w_star, b_star = tuning_optimum.weights, tuning_optimum.bias
rows = {"training": (tuning_split.X_train, tuning_split.y_train)}
rows["validation"] = (tuning_split.X_val, tuning_split.y_val)
at_optimum = {name: bgd.logistic_loss(w_star, b_star, X, y) for name, (X, y) in rows.items()}
doubled = {name: bgd.logistic_loss(2 * w_star, 2 * b_star, X, y) for name, (X, y) in rows.items()}
optimum_norm = np.linalg.norm(np.append(w_star, b_star))
norm = {key: np.linalg.norm(theta, axis=1).mean() for key, theta in replayed.items()}
Markdown(
    "Chosen initial rates: "
    + ", ".join(f"{name} **{chosen_rate[name]:g}**" for name in SCHEDULES)
    + f". The best decaying schedule is **{best_schedule}** from $\\eta_0$ = {LARGE_RATE:g}. "
    "The validation rows agree for "
    + (
        "every schedule."
        if not disagree
        else "every schedule but "
        + " and ".join(f"{name} (they would pick {validation_choice[name]:g})" for name in disagree)
        + f". They are {len(tuning_split.y_val)} notes nearly all far from the boundary: the "
        f"optimum's weights, fitted to the training rows where they reach "
        f"{at_optimum['training']:.4f}, reach {at_optimum['validation']:.4f} on them. Doubling "
        f"those weights *lowers* the validation loss to {doubled['validation']:.4f} while it "
        f"raises the training loss to {doubled['training']:.4f}: these validation rows reward "
        "the large weights that big steps produce, not a better fit of the training loss, "
        "which is what we compare here. The norm of the final weights $(w, b)$, mean over the "
        "seeds, is "
        + "; ".join(
            f"{norm[name, validation_choice[name]]:.0f} for {name} at the validation rows' "
            f"$\\eta_0$ = {validation_choice[name]:g}, {norm[name, chosen_rate[name]]:.0f} at "
            f"{chosen_rate[name]:g}"
            for name in disagree
        )
        + f"; at the optimum it is {optimum_norm:.0f}."
    )
)

# %% tags=["remove-input"]
if disagree:
    assert doubled["validation"] < at_optimum["validation"], "larger weights: lower val loss"
    assert doubled["training"] > at_optimum["training"], "but a higher training loss"
    for name in disagree:
        big = norm[name, validation_choice[name]]
        assert big > norm[name, chosen_rate[name]] and big > optimum_norm, "larger weights"

# %% [markdown]
# ## The tuned schedules on fresh seeds
#
# Choosing the best of many settings on seeds 0 to 9 flatters the winners: part of what made
# them win is the luck of those seeds. So we train again with seeds 10 to 19
# (`FRESH_SEEDS`), on all the training rows, and read the results there: every schedule at
# its chosen rate, and at `MODERATE_RATE` for a closer look below. We compare on the loss of
# the weights at the end of the last epoch on the training rows (split `"train"`), not on
# Keras's running mean over the epoch's batches (`"train_running"`), which lags the model.
#
# Every schedule is compared with the constant rate *on the same seed*: both start from the
# same weights and see the batches in the same order, so most of the seed's luck cancels in
# their difference. `bgd.compare` takes these paired differences, each schedule at its own
# rate (`vary="learning_rate"`), and gives their mean, its standard error and a 95 %
# paired-bootstrap interval.

# %%
fresh = bgd.sweep(
    {"learning_rate": sorted({MODERATE_RATE, *chosen_rate}), "schedule": SCHEDULES},
    seeds=FRESH_SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    optimizer="sgd",
)
assert not fresh["diverged"].any(), "no run should diverge at these rates"
is_chosen = pd.MultiIndex.from_frame(fresh[["schedule", "learning_rate"]]).isin(
    list(chosen_rate.items())
)
tuned = fresh[is_chosen]
final_loss = bgd.final_values(tuned, split="train", metric="loss").groupby("schedule")["value"]
tuned_vs_constant = bgd.compare(tuned, by="schedule", baseline="constant", vary="learning_rate")
summary = pd.DataFrame(
    {
        "initial rate": chosen_rate,
        "final loss": final_loss.mean(),
        "excess loss L - L*": final_loss.mean() - L_STAR,
    }
).loc[SCHEDULES]
columns = {
    "difference": "minus constant, paired mean",
    "difference_se": "its standard error",
    "difference_low": "95 % interval, low",
    "difference_high": "95 % interval, high",
}
summary = summary.join(
    tuned_vs_constant.set_index("schedule")[list(columns)].rename(columns=columns)
)
summary.round(4)

# %% tags=["hide-input"]
best = tuned_vs_constant.set_index("schedule").loc[best_schedule]
constant_excess = summary.loc["constant", "excess loss L - L*"]
best_excess = summary.loc[best_schedule, "excess loss L - L*"]
Markdown(
    f"On the fresh seeds the tuned constant rate ends **{constant_excess:.4f}** above the "
    f"floor $L^*$ and {best_schedule} decay, the schedule chosen on seeds 0 to {SEEDS - 1}, "
    f"**{best_excess:.4f}** above it: {constant_excess / best_excess:.0f} times less excess "
    f"loss. Paired over the {int(best['n_seeds'])} fresh seeds, {best_schedule} minus constant "
    f"is **{best['difference']:.4f}** (standard error {best['difference_se']:.4f}; 95 % "
    f"paired-bootstrap interval {best['difference_low']:.4f} to "
    f"{best['difference_high']:.4f}). Every decaying schedule, each at its own rate, ends "
    "below the tuned constant rate (the table's intervals all lie below 0): the gain holds on "
    "seeds that played no part in choosing the rates."
)

# %% tags=["remove-input"]
assert best["difference_high"] < 0, (
    "the chosen schedule should beat the tuned constant rate on fresh seeds"
)
assert constant_excess > 3 * best_excess, "and leave clearly less excess loss"
assert (tuned_vs_constant["difference_high"] < 0).all(), "every tuned decay should beat constant"

# %% [markdown]
# Why does decay win? The same schedules at two fixed initial rates, on the fresh seeds, show
# the two regimes.
#
# ## A moderate rate: decay only slows down
#
# At $\eta_0 = 1$ the run is still travelling towards the minimum when it ends. Decaying the
# rate only shortens the steps it still needs, so every decaying schedule ends above the
# constant rate; warm-up also loses the first epoch, because its rate starts from 0. (In this
# figure and the next, each line is the mean over the 10 fresh seeds and its band the 95 %
# bootstrap interval of that mean.)

# %%
moderate = fresh[fresh["learning_rate"] == MODERATE_RATE]
grid = bgd.plot_sweep(moderate, hue="schedule", log_y=True)
# less than a decade of loss: label 0.04, 0.06 and 0.08 as well as 0.05 and 0.1
grid.axes_dict["loss"].yaxis.set_minor_locator(LogLocator(subs=(2, 3, 4, 5, 6, 8)))

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&learning_rate=1&batch_size=16&view=curves)

# %% tags=["hide-input"]
moderate_vs_constant = bgd.compare(moderate, by="schedule", baseline="constant").set_index(
    "schedule"
)
first_epoch = bgd.compare(moderate, by="schedule", baseline="warmup_cosine", epoch=1)
first_epoch = first_epoch.set_index("schedule").drop(index="warmup_cosine", errors="ignore")
Markdown(
    f"At $\\eta_0$ = {MODERATE_RATE:g}, each decaying schedule minus the constant rate, paired "
    "over the fresh seeds (final training loss; 95 % paired-bootstrap interval): "
    + ", ".join(
        f"{name} **{row['difference']:+.4f}** ({row['difference_low']:+.4f} to "
        f"{row['difference_high']:+.4f})"
        for name, row in moderate_vs_constant.loc[DECAYING].iterrows()
    )
    + "."
)

# %% tags=["remove-input"]
assert (moderate_vs_constant.loc[DECAYING, "difference_low"] > 0).all(), (
    "decay should cost at eta_0 = 1"
)
assert (first_epoch["difference_high"] < 0).all(), (
    "warm-up should be behind every schedule after epoch 1"
)

# %% [markdown]
# ## A large rate: decay lets the run settle
#
# At the initial rate chosen for the best decaying schedule the picture turns around. The
# constant rate's loss stops improving after a couple of epochs: it hovers at a level set by
# the noise of its large steps. Each decaying schedule comes down once its rate has fallen far
# enough. (Step decay's drop half-way through the run is plain to see.)

# %% tags=["hide-input"]
final_rate = pd.Series({name: by_schedule[name][-1] for name in DECAYING})
early = total_updates // 10  # the rate after a tenth of the run
assert step_budget[DECAYING].idxmin() == "inverse_time", "inverse time: smallest mean"
assert min(DECAYING, key=lambda name: by_schedule[name][early]) == "inverse_time", "earliest"
assert final_rate["inverse_time"] > final_rate[["step", "cosine", "warmup_cosine"]].max()


def as_share(value):
    """A final rate as a share of eta_0: 0, or eta_0/k."""
    return "0" if value < 1e-3 else f"$\\eta_0/{1 / value:.0f}$"


Markdown(
    "Inverse-time decay cuts the rate earliest (its mean $\\eta_t/\\eta_0$, "
    f"{step_budget['inverse_time']:.2f}, is the smallest) but still runs at "
    f"{as_share(final_rate['inverse_time'])} at the end, where step decay is down to "
    f"{as_share(final_rate['step'])}, exponential decay to {as_share(final_rate['exponential'])} "
    f"and cosine decay to {as_share(final_rate['cosine'])}. It settles first but ends highest "
    "of the decaying schedules."
)

# %%
large = fresh[fresh["learning_rate"] == LARGE_RATE]
grid = bgd.plot_sweep(large, hue="schedule", log_y=True)

# %% tags=["hide-input"]
Markdown(
    f"[Explore this](explorer.md#optimizer=sgd&learning_rate={LARGE_RATE:g}&batch_size="
    f"{BATCH_SIZE}&schedule={best_schedule}&view=curves)"
)

# %% tags=["hide-input"]
large_vs_constant = bgd.compare(large, by="schedule", baseline="constant").set_index("schedule")
vs_inverse_time = bgd.compare(large, by="schedule", baseline="inverse_time").set_index("schedule")
others = [name for name in DECAYING if name != "inverse_time"]
large_sd = bgd.final_values(large, split="train").groupby("schedule")["value"].std()
Markdown(
    f"At $\\eta_0$ = {LARGE_RATE:g} every decaying schedule ends below the constant rate "
    f"(paired differences from **{large_vs_constant.loc[DECAYING, 'difference'].min():.4f}** "
    f"to **{large_vs_constant.loc[DECAYING, 'difference'].max():.4f}**, every 95 % "
    "paired-bootstrap interval below 0), and every other decaying schedule ends below inverse "
    f"time (by {-vs_inverse_time.loc[others, 'difference'].max():.4f} to "
    f"{-vs_inverse_time.loc[others, 'difference'].min():.4f}; intervals below 0). The seeds "
    "also agree far more: the standard deviation of the final loss over the fresh seeds is "
    f"**{large_sd['constant']:.4f}** with the constant rate and "
    f"**{large_sd[DECAYING].min():.4f}** to **{large_sd[DECAYING].max():.4f}** with decay."
)

# %% tags=["remove-input"]
assert (large_vs_constant.loc[DECAYING, "difference_high"] < 0).all(), "decay wins at this rate"
assert (vs_inverse_time.loc[others, "difference_high"] < 0).all(), "inverse time ends highest"
assert (large_sd[DECAYING] < large_sd["constant"] / 3).all(), "decay should shrink the spread"

# %% [markdown]
# ## What the test rows say
#
# Last, once, the test accuracy of the chosen settings. The test set has a limited number of
# notes, and that limits what any accuracy measured on it can tell: if a model classifies a
# share $p$ of all possible notes correctly, its accuracy on $n$ test notes varies around $p$
# with a binomial standard error $\sqrt{p(1-p)/n}$. Averaging over seeds does not shrink this
# error: every seed is scored on the same notes.
#
# That error says how well one model would do on new notes. Two models scored on the *same*
# notes are compared note by note: their counts of correct notes differ only through the
# notes on which one is right and the other wrong, the *discordant* notes, and the
# uncertainty of the difference comes from those notes alone (McNemar, 1947). With $b$ notes
# right only for the first model and $c$ only for the second, the difference is $b - c$ notes
# with standard error $\sqrt{b + c - (b - c)^2/n}$. Over several seeds we take each note's
# mean difference over the seeds; the standard error of their sum, $\sqrt{n}$ times their
# standard deviation, is McNemar's for a single seed.

# %%
test_accuracy = bgd.final_values(tuned, split="test", metric="accuracy")
n_test = len(split.y_test)
accuracy = bgd.accuracy_table(test_accuracy, "schedule", n_test).loc[SCHEDULES]
accuracy.round(4)

# %% [markdown]
# To compare the schedules note by note we replay the tuned runs on the fresh seeds (with
# `final_weights`, above) and score every model on every test note:

# %%
A_test = np.hstack([split.X_test, np.ones((n_test, 1))])
correct = {}  # per schedule: (test notes, seeds), True where the model is right
for name in SCHEDULES:
    theta = final_weights(split, name, chosen_rate[name], FRESH_SEEDS)
    correct[name] = (A_test @ theta.T > 0) == np.asarray(split.y_test)[:, None]
    swept = test_accuracy.query("schedule == @name").sort_values("seed")["value"]
    assert np.allclose(correct[name].mean(axis=0), swept), f"the replay should match {name}"


def paired_difference(a, b):
    """Correct notes of a minus b (mean over seeds) and its standard error over the notes."""
    per_note = (correct[a].astype(float) - correct[b]).mean(axis=1)
    return per_note.sum(), np.sqrt(n_test * per_note.var())


pairs = pd.DataFrame(
    [
        {
            "pair": f"{a} - {b}",
            "discordant notes per seed": (correct[a] != correct[b]).sum(axis=0).mean(),
            "difference, notes": difference,
            "its standard error": se,
        }
        for b, a in itertools.combinations(SCHEDULES, 2)
        for difference, se in [paired_difference(a, b)]
    ]
).set_index("pair")
pairs.head(len(DECAYING)).round(2)  # each decaying schedule minus the tuned constant rate

# %% tags=["hide-input"]
accuracy_gap = accuracy["mean"].max() - accuracy["mean"].min()
standard_error = accuracy["binomial SE"].max()
headline = pairs.loc[f"{best_schedule} - constant"]
discordant = (correct[best_schedule] != correct["constant"]).sum(axis=0)
spread = pairs["difference, notes"].abs() / pairs["its standard error"]
largest = pairs.loc[pairs["difference, notes"].abs().idxmax()]
Markdown(
    f"The mean test accuracies of the tuned schedules lie between "
    f"**{100 * accuracy['mean'].min():.2f} %** and **{100 * accuracy['mean'].max():.2f} %**, "
    f"{accuracy_gap * n_test:.1f} of the {n_test} test notes apart. The binomial standard "
    f"error, up to {standard_error * n_test:.1f} notes, measures how precisely these notes "
    "tell one model's accuracy on new notes; it is not the yardstick for the gap between two "
    f"models scored on the same notes. Note by note, {best_schedule} decay and the tuned "
    f"constant rate disagree on {headline['discordant notes per seed']:.1f} notes per seed on "
    f"average ({discordant.min()} to {discordant.max()}); {best_schedule} minus constant is "
    f"**{headline['difference, notes']:+.1f} notes** (mean over the seeds; standard error "
    f"{headline['its standard error']:.1f}). Over all {len(pairs)} pairs of tuned schedules "
    f"the largest difference is {largest.name} {largest['difference, notes']:+.1f} notes "
    f"(standard error {largest['its standard error']:.1f}), and no difference exceeds "
    f"{spread.max():.1f} standard errors. The models make nearly the same predictions: on "
    "this test set the schedules cannot be told apart by accuracy; their difference shows in "
    "the loss."
)

# %% tags=["remove-input"]
assert (pairs["difference, notes"].abs() <= 2 * pairs["its standard error"]).all(), (
    "no paired accuracy difference should exceed two of its standard errors"
)

# %% [markdown]
# **Which decay?** Step, exponential, inverse time and cosine decay all work here; they
# differ in how long they keep the rate high (the averages of $\eta_t/\eta_0$ above).
# Warm-up exists for models whose first updates are dangerous: deep networks, or Adam, whose
# step-size statistics are unreliable in the first few updates. Our model is a single linear
# layer with a convex loss, so warm-up should change little here:

# %% tags=["hide-input"]
warmup_effect = (
    bgd.compare(
        tuned[tuned["schedule"].isin(["cosine", "warmup_cosine"])],
        vary="learning_rate",
        by="schedule",
        baseline="cosine",
    )
    .set_index("schedule")
    .loc["warmup_cosine"]
)
cosine_gain = -tuned_vs_constant.set_index("schedule").loc["cosine", "difference"]
Markdown(
    f"Each at its own tuned rate, warm-up cosine minus cosine decay is "
    f"**{warmup_effect['difference']:+.5f}** (95 % paired-bootstrap interval "
    f"{warmup_effect['difference_low']:+.5f} to {warmup_effect['difference_high']:+.5f}): "
    f"{100 * abs(warmup_effect['difference']) / cosine_gain:.0f} % of the "
    f"{cosine_gain:.4f} by which cosine decay beats the tuned constant rate."
)

# %% tags=["remove-input"]
assert abs(warmup_effect["difference"]) < 0.1 * cosine_gain, "warm-up should change little"

# %% [markdown]
# ## Conclusion
#
# - A schedule makes the learning rate a function of the update, $\eta_t$; Keras provides
#   them as `LearningRateSchedule` objects that the optimizer calls at every update.
# - At the same initial rate a decaying schedule allows a quarter to a half of the constant
#   rate's total step, so schedules are compared each at its own tuned initial rate.
# - With a rate that is still too small for the budget, decay only costs: the constant rate
#   ends lower.
# - With a large initial rate, decay gives the best of both: big steps early, small steps at
#   the end, so the run settles and the seeds agree.

# %% tags=["hide-input"]
Markdown(
    f"In numbers (SGD, {EPOCHS} epochs, batch size {BATCH_SIZE}; rates chosen with seeds 0 "
    f"to {SEEDS - 1} on {len(tuning_split.y_train)} training rows ({tuning_updates} updates), "
    f"reported on seeds {FRESH_SEEDS[0]} to {FRESH_SEEDS[-1]} on all "
    f"{len(split.y_train)} ({total_updates} updates)): the tuned constant rate "
    f"({chosen_rate['constant']:g}) ends "
    f"{constant_excess:.4f} above the floor $L^*$ = {L_STAR:.4f}, {best_schedule} decay from "
    f"{LARGE_RATE:g} ends {best_excess:.4f} above it, {constant_excess / best_excess:.0f} times "
    f"closer (paired difference {best['difference']:.4f} ± {best['difference_se']:.4f} standard "
    f"error). The test accuracy does not separate them: paired over the {n_test} test notes, "
    f"{best_schedule} minus constant is {headline['difference, notes']:+.1f} ± "
    f"{headline['its standard error']:.1f} notes."
)

# %% [markdown]
# So far every run used plain SGD. The next lesson changes the update rule itself: momentum,
# and optimizers that adapt the step size of each weight.

# %% [markdown]
# ## Further reading
#
# - Herbert Robbins and Sutton Monro (1951). *A Stochastic Approximation Method.* Annals of
#   Mathematical Statistics 22: why the step sizes of stochastic gradient descent must
#   shrink for it to converge.
# - Ilya Loshchilov and Frank Hutter (2017). *SGDR: Stochastic Gradient Descent with Warm
#   Restarts.* ICLR 2017: cosine decay.
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677: warm-up and step schedules.
# - Quinn McNemar (1947). *Note on the Sampling Error of the Difference Between Correlated
#   Proportions or Percentages.* Psychometrika 12: comparing two classifiers on the same
#   test notes.
