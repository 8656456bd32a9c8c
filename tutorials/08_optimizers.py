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
# # Optimizers
#
# **SGD, momentum, Nesterov, Adagrad, RMSprop and Adam on the same problem, compared
# fairly.**
#
# Every lesson so far used the plain update $w \leftarrow w - \eta g$, with $g$ the gradient
# of the loss on a mini-batch. An *optimizer* is a different rule for turning the gradients
# into updates. Some remember past gradients (momentum), some give every weight its own
# learning rate (Adagrad, RMSprop), and Adam does both. Which one is best? The answer depends
# as much on *how* you compare as on the optimizers, so this lesson is also about fair
# comparisons.
#
# **What you will learn**
#
# - the update rules of six Keras optimizers, and what Adagrad's shrinking rate does and does
#   not do to its steps;
# - why comparing optimizers at their default learning rates is unfair;
# - how to compare them fairly: tune each one's learning rate with one set of seeds, report
#   on fresh seeds as paired differences with their uncertainty, measure the loss against
#   the lowest loss there is, and read the test accuracy once, with its binomial error,
#   comparing two models on the notes where they disagree;
# - how far the test accuracy moves from one train/test split to another, next to the
#   differences between the optimizers, and why overlapping splits need a corrected error;
# - where the original course's single run of SGD falls among many seeds.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import tensorflow as tf
from IPython.display import Markdown
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle

import banknote_gd as bgd
from banknote_gd.engine import supports

bgd.set_style()

EPOCHS = 10
BATCH_SIZE = 32
SEEDS = 10  # seeds 0 to 9 choose the learning rates, seeds 10 to 19 report them
FRESH_SEEDS = list(range(SEEDS, 2 * SEEDS))
VALIDATION_SIZE = 0.2  # share of the training rows held out of the tuning runs
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
COURSE_RUN_ACCURACY = 0.579  # the original course's one run of SGD at Keras's defaults
COURSE_SEEDS = list(range(100, 150))  # many seeds of that one setting, to place it
SPLIT_SEEDS = list(range(10))  # other train/test splits (the course's split is seed 42)
# The optimizers the vectorised sweep engine implements (Adamax and Nadam train one run at a
# time with model.fit, too slowly for a grid of hundreds of runs).
OPTIMIZERS = [name for name in bgd.available_optimizers() if supports(name)]
OPTIMIZERS

# %% [markdown]
# ## Six update rules
#
# With $g$ the mini-batch gradient, $\eta$ the learning rate, and all operations element by
# element (each weight separately):
#
# - **sgd**: $w \leftarrow w - \eta\, g$.
# - **momentum**: a velocity that accumulates past gradients,
#   $v \leftarrow \beta v - \eta\, g$, $w \leftarrow w + v$. When the gradient keeps its
#   direction, the steps grow to $\eta/(1-\beta)$ times the gradient: ten times the plain
#   step for $\beta = 0.9$.
# - **nesterov**: the same velocity, but the update uses the gradient "one step ahead":
#   $w \leftarrow w + \beta v - \eta\, g$ after updating $v$.
# - **adagrad**: each weight's gradient is divided by the root of the sum of its past squared
#   gradients, added to a starting value $s_0$ (Keras's `initial_accumulator_value`, 0.1):
#   $s \leftarrow s + g^2$, $w \leftarrow w - \eta\, g / \sqrt{s + \epsilon}$. Each weight's
#   *learning rate* $\eta/\sqrt{s + \epsilon}$ can only shrink; its *step*, that rate times the
#   gradient, can grow again whenever the gradient does (we measure both below).
# - **rmsprop**: the same, but with a moving average that forgets and starts at
#   $s_0 = 0$, $s \leftarrow \rho s + (1-\rho) g^2$, and no correction for that start: the
#   first step is $\eta\, g/\sqrt{(1-\rho) g^2} \approx \eta/\sqrt{1-\rho}$, about
#   $3.2\,\eta$ for $\rho = 0.9$.
# - **adam**: momentum and RMSprop together, $m \leftarrow \beta_1 m + (1-\beta_1) g$,
#   $s \leftarrow \beta_2 s + (1-\beta_2) g^2$, both corrected for starting at zero
#   ($\hat m$, $\hat s$), $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat s} + \epsilon)$.
#   The size of a step is then roughly bounded by $\eta$ and insensitive to the gradient's
#   scale; it is close to $\eta$ only while the gradient keeps its sign (where the signs
#   flip, near the minimum, $\hat m$ averages them away and the steps shrink).
#
# The constants are Keras's defaults; `bgd.make_optimizer` builds each optimizer, and its
# configuration shows them:

# %%
settings = ["learning_rate", "momentum", "nesterov", "initial_accumulator_value", "rho"]
settings += ["beta_1", "beta_2", "epsilon"]
optimizer_table = pd.DataFrame(
    [
        {"optimizer": name, "Keras class": type(optimizer).__name__, **optimizer.get_config()}
        for name in OPTIMIZERS
        for optimizer in [bgd.make_optimizer(name)]
    ]
).set_index("optimizer")
optimizer_table = optimizer_table[["Keras class", *settings]]
default_rate = optimizer_table["learning_rate"].astype(float).round(6)
optimizer_table["learning_rate"] = default_rate
sgd_family = ["sgd", "momentum", "nesterov"]
assert (default_rate[sgd_family] == 0.01).all()
assert (default_rate.drop(sgd_family) == 0.001).all()
assert (optimizer_table.loc[["momentum", "nesterov"], "momentum"] == 0.9).all()
optimizer_table.rename(columns={"learning_rate": "default learning rate"}).map(
    lambda value: "" if pd.isna(value) else f"{value:g}" if isinstance(value, float) else value
)

# %% [markdown]
# ## The yardstick: the lowest loss there is
#
# The model is a logistic regression, whose training loss has a single minimum. Newton's
# method finds it in a few steps (`bgd.optimum`). Its loss $L^*$ is the floor that no
# optimizer can go below on these training rows, and we report every result as the *excess
# loss* $L - L^*$. Two final losses that look close can sit at very different distances
# from the floor.

# %%
optimum = bgd.optimum()
L_STAR = optimum.loss
Markdown(
    f"$L^*$ = **{L_STAR:.5f}** (mean binary cross-entropy on the training rows, after "
    f"{optimum.iterations} Newton steps); the weights at the optimum classify "
    f"{100 * optimum.test_accuracy:.1f} % of the test notes correctly."
)

# %% [markdown]
# ## At their default learning rates
#
# The first comparison most people make: every optimizer with the learning rate Keras gives
# it by default, for the same number of epochs. Leaving `learning_rate` out of the sweep
# does exactly that. We train these runs, and every run we report on below, with seeds 10
# to 19 (`FRESH_SEEDS`); seeds 0 to 9 are kept for choosing the learning rates later. We
# compare on the loss of the weights at the end of each epoch, on all the training rows
# (split `"train"`), not on Keras's running mean over the epoch's batches (`"train_running"`),
# which lags the model.
# In the figure each line is the mean over the 10 seeds and its band the 95 % bootstrap
# interval of that mean.

# %%
defaults = bgd.sweep(
    {"optimizer": OPTIMIZERS}, seeds=FRESH_SEEDS, epochs=EPOCHS, batch_size=BATCH_SIZE
)
grid = bgd.plot_sweep(
    defaults,
    hue="optimizer",
    log_y=True,
    title=f"Each optimizer at its default learning rate ({EPOCHS} epochs, batch size {BATCH_SIZE})",
)

# %% [markdown]
# [Explore this](explorer.md#optimizer=adam&learning_rate=0.001&batch_size=32&view=curves)

# %%
default_loss = bgd.final_values(defaults, split="train", metric="loss")
default_excess = (default_loss.groupby("optimizer")["value"].mean() - L_STAR).loc[OPTIMIZERS]
default_excess.rename("excess loss L - L* at the default rate").round(4)

# %% tags=["hide-input"]
Markdown(
    f"At the defaults the ranking looks clear: {default_excess.idxmin()} ends "
    f"**{default_excess.min():.3f}** above the floor, Adam **{default_excess['adam']:.3f}** "
    f"and {default_excess.idxmax()} **{default_excess.max():.3f}**. Momentum and Nesterov "
    "momentum give nearly the same curves, and so do RMSprop and Adam: their lines lie on "
    "top of each other."
)

# %% tags=["remove-input"]
assert default_excess.idxmin() in ("momentum", "nesterov")
assert default_excess["adam"] > 2 * default_excess["momentum"]
assert np.isclose(default_excess["momentum"], default_excess["nesterov"], rtol=0.05)
assert np.isclose(default_excess["rmsprop"], default_excess["adam"], rtol=0.1)

# %% [markdown]
# **The course's own run, among many.** The original course trained this setting (plain SGD
# at Keras's defaults, batches of 32, 10 epochs) once, and read its test accuracy. Train the
# same setting with fifty seeds (`COURSE_SEEDS`) and see where that one run falls:

# %%
course_setting = bgd.sweep(
    {"optimizer": ["sgd"]}, seeds=COURSE_SEEDS, epochs=EPOCHS, batch_size=BATCH_SIZE
)
course_accuracy = bgd.final_values(course_setting, split="test", metric="accuracy")["value"]
course_accuracy.describe(percentiles=[0.05, 0.5, 0.95]).round(3)

# %% tags=["hide-input"]
share_below = (course_accuracy < COURSE_RUN_ACCURACY).mean()
Markdown(
    f"Over {len(course_accuracy)} seeds the test accuracy of this setting runs from "
    f"**{100 * course_accuracy.min():.1f} %** to **{100 * course_accuracy.max():.1f} %**, "
    f"with a median of **{100 * course_accuracy.median():.1f} %**. The course's "
    f"{100 * COURSE_RUN_ACCURACY:.1f} % is an unlucky seed, not an impossible one: "
    f"{(course_accuracy < COURSE_RUN_ACCURACY).sum()} of these {len(course_accuracy)} seeds "
    f"did worse, and the worst reached {100 * course_accuracy.min():.1f} %, "
    f"{100 * (COURSE_RUN_ACCURACY - course_accuracy.min()):.1f} percentage points below it. "
    "After 10 epochs at this rate the model is far from the optimum, and where it stands "
    "depends mostly on where it started: "
    "one run of it says little about the setting, and nothing about SGD."
)

# %% tags=["remove-input"]
assert share_below < 0.1, "unlucky: fewer than one seed in ten should do worse than the course"
assert course_accuracy.min() < COURSE_RUN_ACCURACY + 0.05, "possible: the worst seeds come close"
assert course_accuracy.max() - course_accuracy.min() > 0.2, "the seeds should spread widely"

# %% [markdown]
# Should we conclude that momentum beats Adam on this problem? No. This comparison is unfair
# in two ways:
#
# - **The defaults differ by a factor of ten**: 0.01 for the SGD family, 0.001 for the
#   adaptive optimizers (see the table above). Much of the ranking is the learning rate, not
#   the update rule.
# - **The defaults were chosen for other problems.** Adam's 0.001 is a good start for deep
#   networks with millions of weights trained for many thousands of updates. Our model is
#   tiny and each run short (next cell): with steps of about $\eta$ per update, Adam at
#   0.001 can barely move the weights in that budget.
#
# A learning rate is part of each optimizer's setting, so each optimizer needs its own.

# %% tags=["hide-input"]
n_weights = bgd.build_model().count_params()
n_updates = int(defaults["step"].max())
adam_step = default_rate["adam"]
optimum_theta = np.append(optimum.weights, optimum.bias)
glorot_limit = np.sqrt(6 / (len(bgd.FEATURES) + 1))  # the initial coefficients' range
n_far = int((np.abs(optimum_theta) > glorot_limit + adam_step * n_updates).sum())
Markdown(
    f"Our model has **{n_weights} weights** ({len(bgd.FEATURES)} coefficients and a bias), "
    f"and each run takes **{n_updates} updates**: with steps of at most roughly {adam_step:g} "
    f"per update, Adam at its default rate moves each weight by at most about "
    f"{adam_step * n_updates:.1f} in the whole run, while the weights at the optimum are "
    + ", ".join(f"{value:.0f}" for value in optimum.weights)
    + f" (coefficients) and {optimum.bias:.0f} (bias), and every run starts with "
    f"coefficients within ±{glorot_limit:.1f} and a bias of 0: {n_far} of the five weights "
    f"must move by more than {adam_step * n_updates:.1f}."
)

# %% [markdown]
# ## Tuning each optimizer's learning rate
#
# We train every optimizer at every rate of a grid spaced by factors of about 3
# (`LEARNING_RATES`) with seeds 0 to 9 (`SEEDS`), holding a fifth of the training rows out
# of training as *validation* rows (`VALIDATION_SIZE`). The question of this lesson is how
# close each optimizer takes the training loss to its floor within the budget, so for each
# optimizer we choose the rate with the lowest excess training loss of the final weights,
# on the rows these runs train on (whose own floor `bgd.optimum` gives), averaged over the
# seeds; the validation rows give a second opinion. The test rows play no part in the choice:
# if they did, the test accuracy we report for the chosen rate would be optimistic, no longer
# a measure of notes the model has never seen.

# %%
tuning = bgd.sweep(
    {"optimizer": OPTIMIZERS, "learning_rate": LEARNING_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    validation_size=VALIDATION_SIZE,
)
assert not tuning["diverged"].any(), "no run should diverge on this grid"
tuning_split = bgd.split_data(validation_size=VALIDATION_SIZE)
tuning_optimum = bgd.optimum(tuning_split)
tuning_excess = bgd.final_values(bgd.excess_loss(tuning, tuning_optimum), split="train")
mean_loss = tuning_excess.pivot_table(
    index="optimizer", columns="learning_rate", values="value", aggfunc="mean", sort=False
)
chosen_rate = mean_loss.idxmin(axis=1)
validation_choice = (
    bgd.final_values(tuning, split="validation")
    .pivot_table(index="optimizer", columns="learning_rate", values="value", sort=False)
    .idxmin(axis=1)
)
n_runs = tuning.groupby(list(bgd.RUN_COLUMNS)).ngroups
tuning_updates = int(tuning["step"].max())
Markdown(
    f"{len(OPTIMIZERS)} optimizers × {len(LEARNING_RATES)} learning rates × {SEEDS} seeds = "
    f"**{n_runs} runs**, each of {EPOCHS} epochs of batches of {BATCH_SIZE} on the "
    f"{len(tuning_split.y_train)} rows left for training: {tuning_updates} updates, against "
    f"the {n_updates} of the runs we report, which train on all the training rows."
)

# %% [markdown]
# The heat map shows the mean excess training loss of every optimizer at every rate; the
# chosen rates are framed.

# %%
fig, ax = plt.subplots(figsize=(10, 4))
sns.heatmap(
    mean_loss,
    annot=True,
    fmt=".3f",
    annot_kws={"fontsize": 9},
    cmap="cividis",
    norm=LogNorm(),
    linewidths=0.5,
    cbar_kws={"label": "excess training loss $L - L^*$ (log scale)"},
    ax=ax,
)
for row, name in enumerate(mean_loss.index):
    column = list(mean_loss.columns).index(chosen_rate[name])
    ax.add_patch(Rectangle((column, row), 1, 1, fill=False, edgecolor="white", lw=3))
ax.set_xticklabels([f"{rate:g}" for rate in mean_loss.columns])
ax.set(
    xlabel="learning rate $\\eta$",
    ylabel="optimizer",
    title=f"Mean excess training loss after {EPOCHS} epochs over seeds 0 to {SEEDS - 1} "
    "(framed: the rate chosen for each optimizer)",
)
ax.tick_params(axis="y", rotation=0)

# %% [markdown]
# [Explore this](explorer.md#optimizer=momentum&batch_size=32&view=ucurve)
#
# Each row is a valley: too small a rate leaves the loss high because the weights barely
# move, too large a rate makes the steps overshoot. The valleys sit at different rates,
# which is why a single shared learning rate, or each optimizer's default, cannot compare
# them fairly.

# %% tags=["hide-input"]
ratio_to_default = chosen_rate / default_rate
shifted = [rate for rate in LEARNING_RATES if rate <= 0.3 and 10 * rate in mean_loss.columns]
disagree = [name for name in OPTIMIZERS if validation_choice[name] != chosen_rate[name]]
Markdown(
    "Chosen learning rates: "
    + ", ".join(
        f"{name} **{chosen_rate[name]:g}** ({ratio_to_default[name]:g} × its default)"
        for name in OPTIMIZERS
    )
    + ". Momentum's chosen rate is below plain SGD's: with $\\beta = 0.9$ its steps grow to "
    "about ten times $\\eta$ times the gradient, so it takes the same steps with a ten times "
    "smaller rate. The heat map shows it wherever the rates are small: momentum at "
    + ", ".join(f"{rate:g}" for rate in shifted)
    + " ends at "
    + ", ".join(f"{mean_loss.loc['momentum', rate]:.3f}" for rate in shifted)
    + ", SGD at ten times those rates at "
    + ", ".join(f"{mean_loss.loc['sgd', 10 * rate]:.3f}" for rate in shifted)
    + ". (At the large rates the valley's bottom is flat, and the chosen rates differ by a "
    f"factor of {chosen_rate['sgd'] / chosen_rate['momentum']:.1f}, not 10.) The validation "
    "rows would choose the same rates"
    + (
        "."
        if not disagree
        else f" for {len(OPTIMIZERS) - len(disagree)} of the {len(OPTIMIZERS)} optimizers; "
        + " and ".join(f"for {name}, {validation_choice[name]:g}" for name in disagree)
        + ", one step of the grid away."
    )
)

# %% tags=["remove-input"]
assert all(LEARNING_RATES[0] < chosen_rate[name] < LEARNING_RATES[-1] for name in OPTIMIZERS), (
    "every chosen rate should lie inside the grid, not at its edge"
)
assert chosen_rate.min() < chosen_rate.max(), "the valleys should sit at different rates"
assert chosen_rate["momentum"] < chosen_rate["sgd"], "momentum should want a smaller rate"
shift_ratio = np.array(
    [mean_loss.loc["momentum", r] / mean_loss.loc["sgd", 10 * r] for r in shifted]
)
assert len(shifted) >= 3 and (np.abs(shift_ratio - 1) < 0.15).all(), "momentum = SGD at 10 η"
position = {rate: index for index, rate in enumerate(LEARNING_RATES)}
steps_apart = (validation_choice.map(position) - chosen_rate.map(position)).abs()
assert (steps_apart <= 1).all(), "the validation rows should choose at most one grid step away"

# %% [markdown]
# ## Does tuning help? Fresh seeds, paired
#
# A rate chosen as the best of ten on seeds 0 to 9 is partly chosen for those seeds' luck. So
# we train each optimizer at its chosen rate with the fresh seeds 10 to 19, on all the training
# rows, and compare it with the same optimizer at its default rate (the runs above) *on the
# same seed*: the same initial weights and the same batches, so the seed's luck largely
# cancels in the difference. `bgd.compare` gives, per optimizer, the mean of these paired
# differences, its standard error and a 95 % paired-bootstrap interval.

# %%
tuned = pd.concat(
    [
        bgd.sweep(
            {"learning_rate": [chosen_rate[name]]},
            optimizer=name,
            seeds=FRESH_SEEDS,
            epochs=EPOCHS,
            batch_size=BATCH_SIZE,
        )
        for name in OPTIMIZERS
    ],
    ignore_index=True,
)
assert not tuned["diverged"].any(), "no run should diverge at the chosen rates"
both = pd.concat([defaults, tuned], ignore_index=True)
tuning_gain = pd.concat(
    bgd.compare(both[both["optimizer"] == name], by="learning_rate", baseline=default_rate[name])
    for name in OPTIMIZERS
).set_index("optimizer")
tuning_gain[
    ["learning_rate", "n_seeds", "difference", "difference_se", "difference_low", "difference_high"]
].round(4)

# %% tags=["hide-input"]
Markdown(
    "Tuned minus default, final training loss, paired over the fresh seeds: "
    + ", ".join(
        f"{name} **{row['difference']:+.4f}** (± {row['difference_se']:.4f})"
        for name, row in tuning_gain.iterrows()
    )
    + ". Every 95 % paired-bootstrap interval (`difference_low` to `difference_high`) lies "
    "below 0: tuning helps every optimizer, on seeds that played "
    "no part in the tuning."
)

# %% tags=["remove-input"]
assert list(tuning_gain.index) == OPTIMIZERS, "every chosen rate should differ from the default"
assert (tuning_gain["difference_high"] < 0).all(), (
    "tuning should help every optimizer on fresh seeds"
)

# %% [markdown]
# ## The tuned optimizers, side by side
#
# Now every optimizer runs at its own chosen rate, with the same budget and the same fresh
# seeds. The band around each mean is the 95 % bootstrap interval of the mean over the 10
# seeds.

# %%
grid = bgd.plot_sweep(
    tuned,
    hue="optimizer",
    log_y=True,
    title=f"Each optimizer at its tuned learning rate ({EPOCHS} epochs, batch size {BATCH_SIZE})",
)

# %% tags=["hide-input"]
Markdown(
    f"[Explore this](explorer.md#optimizer=sgd&learning_rate={chosen_rate['sgd']:g}"
    f"&batch_size={BATCH_SIZE}&view=curves)"
)

# %% [markdown]
# Their final losses differ in the third decimal; against the floor $L^*$ the differences
# look larger. The table gives each optimizer's excess loss and its paired difference from
# plain SGD (same fresh seeds), with the standard error and the 95 % paired-bootstrap
# interval of that difference.

# %%
tuned_loss = bgd.final_values(tuned, split="train").groupby("optimizer")["value"]
vs_sgd = bgd.compare(tuned, by="optimizer", baseline="sgd", vary="learning_rate")
columns = {
    "difference": "minus sgd, paired mean",
    "difference_se": "its standard error",
    "difference_low": "95 % interval, low",
    "difference_high": "95 % interval, high",
}
tuned_table = pd.DataFrame(
    {
        "learning rate": chosen_rate,
        "final loss": tuned_loss.mean(),
        "excess loss L - L*": tuned_loss.mean() - L_STAR,
        "sd over seeds": tuned_loss.std(),
    }
).loc[OPTIMIZERS]
tuned_table = tuned_table.join(vs_sgd.set_index("optimizer")[list(columns)].rename(columns=columns))
tuned_table.round(4)

# %% tags=["hide-input"]
tuned_excess = tuned_table["excess loss L - L*"]
final = tuned_table["final loss"]
others = vs_sgd.set_index("optimizer")
t_ratio = (others["difference"] / others["difference_se"]).abs()
Markdown(
    f"Tuned, the final losses lie between **{final.min():.4f}** and **{final.max():.4f}**, "
    f"{final.min() / L_STAR:.2f} to {final.max() / L_STAR:.2f} times the floor. Their excess "
    f"losses run from **{tuned_excess.min():.4f}** ({tuned_excess.idxmin()}) to "
    f"**{tuned_excess.max():.4f}** ({tuned_excess.idxmax()}): the worst is "
    f"{tuned_excess.max() / tuned_excess.min():.1f} times the best. Is that a ranking? Not on "
    f"these seeds. Paired with plain SGD seed by seed, no optimizer's difference lies further "
    f"than {t_ratio.max():.1f} standard errors from 0, and every 95 % interval holds 0. At "
    "their tuned rates the runs end where their last noisy steps leave them (the standard "
    f"deviation over seeds is {tuned_table['sd over seeds'].min():.4f} to "
    f"{tuned_table['sd over seeds'].max():.4f}), and ten seeds cannot separate gaps of this "
    "size. What the data do show is that, at constant learning rates, the rate mattered far "
    "more than the rule: tuning moved every optimizer much further than the choice between "
    "them. With a schedule that lowers the rate, which cut the excess loss of SGD many times "
    "over in lesson 7, the runs would settle lower, and the ranking could change."
)

# %% tags=["remove-input"]
gain = -tuning_gain["difference"]
assert ((others["difference_low"] < 0) & (others["difference_high"] > 0)).all(), (
    "no tuned optimizer should differ from SGD beyond the paired uncertainty"
)
assert gain.min() > 10 * (tuned_excess.max() - tuned_excess.min()), "tuning >> choice of rule"

# %% [markdown]
# ## What the test rows say
#
# Last, once, the test accuracy of the chosen settings. With $n$ test notes, an accuracy $p$
# measured on them has a binomial standard error of $\sqrt{p(1-p)/n}$ as an estimate of the
# accuracy on new notes. Averaging over seeds does not shrink it: every seed is scored on
# the same notes.

# %%
test_accuracy = bgd.final_values(tuned, split="test", metric="accuracy")
split = bgd.split_data()
n_test = len(split.y_test)
accuracy = bgd.accuracy_table(test_accuracy, "optimizer", n_test).loc[OPTIMIZERS]
accuracy.round(4)

# %% tags=["hide-input"]
accuracy_gap = accuracy["mean"].max() - accuracy["mean"].min()
standard_error = accuracy["binomial SE"].max()
Markdown(
    f"The mean test accuracies lie between **{100 * accuracy['mean'].min():.2f} %** and "
    f"**{100 * accuracy['mean'].max():.2f} %**, {accuracy_gap * n_test:.1f} of the {n_test} "
    f"test notes apart; the binomial standard error of one accuracy is up to "
    f"{standard_error * n_test:.1f} notes. That error answers one question: how well would "
    "one of these models do on new notes? It does not measure the *difference* between two "
    "of them."
)

# %% tags=["remove-input"]
assert accuracy_gap < 2 * standard_error, "the accuracy gap should be within the binomial noise"

# %% [markdown]
# Every model is scored on the same notes, and most notes every model gets right (or
# wrong). A difference between two models comes only from the notes on which they disagree
# (McNemar's test rests on this), and its uncertainty from how many such notes there are.
# The sweep keeps no predictions, so we retrain the highest and the lowest optimizer of the
# table in a few lines of NumPy, from the same initial weights and batches as the sweep's
# runs (and check that they end at the sweep's losses and accuracies), and compare their
# predictions note by note.

# %%
high, low = accuracy["mean"].idxmax(), accuracy["mean"].idxmin()
assert {high, low} <= {"sgd", "adam"}, "the NumPy rules below cover SGD and Adam"
beta_1, beta_2, epsilon = (
    float(optimizer_table.loc["adam", k]) for k in ["beta_1", "beta_2", "epsilon"]
)
design = np.hstack([split.X_train, np.ones((len(split.X_train), 1))]).astype(np.float32)
test_design = np.hstack([split.X_test, np.ones((n_test, 1))])
labels = split.y_train.astype(np.float32)


def final_theta(name, rate, seed):
    """The final weights and bias of one run of SGD or Adam, as the sweep engine trains it."""
    theta = np.concatenate([np.ravel(w) for w in bgd.initial_weights(seed)])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    order = bgd.batch_order(seed, n_samples=len(design), epochs=EPOCHS)
    batches = [e[i : i + BATCH_SIZE] for e in order for i in range(0, len(e), BATCH_SIZE)]
    for t, rows in enumerate(batches):
        p = 1 / (1 + np.exp(-design[rows] @ theta))
        g = design[rows].T @ (p - labels[rows]) / len(rows)
        if name == "sgd":
            theta = theta - rate * g
            continue
        m, v = beta_1 * m + (1 - beta_1) * g, beta_2 * v + (1 - beta_2) * g**2
        step = rate * np.sqrt(1 - beta_2 ** (t + 1)) / (1 - beta_1 ** (t + 1))
        theta = theta - step * m / (np.sqrt(v) + epsilon)
    return theta


right = {}  # right[name][seed, note]: whether the run of that seed classifies the note right
for name in [high, low]:
    thetas = [final_theta(name, float(chosen_rate[name]), seed) for seed in FRESH_SEEDS]
    losses = [bgd.logistic_loss(th[:-1], th[-1], split.X_train, split.y_train) for th in thetas]
    sweep_runs = tuned[tuned["optimizer"] == name]
    assert np.allclose(losses, bgd.final_values(sweep_runs)["value"], rtol=1e-3)
    right[name] = np.array([(test_design @ th > 0) == (split.y_test == 1) for th in thetas])
    sweep_accuracy = bgd.final_values(sweep_runs, split="test", metric="accuracy")["value"]
    assert np.allclose(right[name].mean(axis=1), sweep_accuracy, atol=1.5 / n_test)
only_high = (right[high] & ~right[low]).sum(axis=1)
only_low = (~right[high] & right[low]).sum(axis=1)
note_difference = (right[high].astype(float) - right[low]).mean(axis=0)  # per note, over seeds
pd.DataFrame(
    {f"only {high} right": only_high, f"only {low} right": only_low}, index=FRESH_SEEDS
).rename_axis("seed").T

# %% tags=["hide-input"]
paired_notes = note_difference.sum()  # the gap in mean accuracy, in notes
paired_se = np.sqrt(n_test) * note_difference.std(ddof=1)  # over notes, in notes
n_disputed = int((note_difference != 0).sum())
Markdown(
    f"Over the {len(FRESH_SEEDS)} seeds, {high} and {low} disagree on "
    f"{(only_high + only_low).min()} to {(only_high + only_low).max()} notes per seed; "
    f"counted over all the seeds, only {high} is right **{only_high.sum()}** times and only "
    f"{low} **{only_low.sum()}**. Averaged over the seeds, {high} gets "
    f"**{paired_notes:.1f}** more notes right, and since every note counts for both, the "
    f"standard error of that gap (over the {n_test} notes, paired note by note) is "
    f"**{paired_se:.2f} notes**, not "
    f"{standard_error * n_test:.1f}: the gap is {paired_notes / paired_se:.1f} standard "
    f"errors from 0. On notes like these, and with these training rows, {high} at its "
    f"tuned rate makes slightly fewer errors than {low} at its. It is a small effect that "
    f"rests on {n_disputed} disputed notes, and the next section asks whether it survives "
    "other splits of the data."
)

# %% tags=["remove-input"]
assert only_high.sum() > 4 * only_low.sum(), "the discordant notes should favour the higher one"
assert paired_se < standard_error * n_test / 2, "pairing by note should shrink the error"
assert paired_notes / paired_se > 2, "paired by note, the gap should exceed two standard errors"

# %% [markdown]
# Why do the update rules barely separate on the training loss? Not because the problem is
# easy in every direction. The loss is convex, with a single minimum, but convex is not the
# same as well conditioned: the eigenvalues of its Hessian at the optimum
# (`bgd.hessian_eigenvalues`) measure its curvature along five directions.

# %%
curvatures = bgd.hessian_eigenvalues(optimum.weights, optimum.bias, split.X_train, split.y_train)
condition_number = curvatures.max() / curvatures.min()
pd.Series(curvatures, name="Hessian eigenvalues at the optimum")

# %% tags=["hide-input"]
Markdown(
    f"The curvatures run from **{curvatures.min():.1e}** to **{curvatures.max():.4f}**: a "
    f"condition number of **{condition_number:.0f}**. The valley is a ravine, steep across "
    "and nearly flat along, the kind of loss on which momentum and the adaptive rules are "
    "said to earn their reputation. That they do not separate here is likely, though not "
    "shown in this lesson, because at constant rates every run stops at its own floor of "
    "mini-batch noise (the standard deviation over seeds above is "
    f"{tuned_table['sd over seeds'].min():.3f} to {tuned_table['sd over seeds'].max():.3f}) "
    "before the flat directions of the ravine matter."
)

# %% tags=["remove-input"]
assert (curvatures > 0).all(), "the loss should be strictly convex at the optimum"
assert condition_number > 100, "the valley should be a ravine: badly conditioned"

# %% [markdown]
# ## Other train/test splits
#
# Every number so far comes from one split of the notes into training and test rows, the
# course's (`split_seed` 42). Another random split puts other notes in the test set, and
# other notes in the training set too. How much does that move the test accuracy, and how
# does it compare with the differences between the optimizers? We train each optimizer at
# the rate chosen above (not tuned again) on ten other splits (`SPLIT_SEEDS`, 0 to 9), with
# the fresh seeds 10 to 19 on each, and average each split's test accuracy over the seeds.
# Every optimizer sees the same ten splits, so the differences between optimizers can be
# taken split by split: `bgd.compare` pairs the runs of each split over the seeds, and the
# mean and standard error of those differences over the splits tell how far the optimizers
# differ on average.

# %%
resplit = bgd.sweep(
    [
        {"optimizer": [name], "learning_rate": [chosen_rate[name]], "split_seed": SPLIT_SEEDS}
        for name in OPTIMIZERS
    ],
    seeds=FRESH_SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
)
assert not resplit["diverged"].any(), "no run should diverge on the other splits"
per_split = bgd.final_values(resplit, split="test", metric="accuracy").pivot_table(
    index="split_seed", columns="optimizer", values="value", aggfunc="mean"
)[OPTIMIZERS]
split_differences = bgd.compare(
    resplit,
    by="optimizer",
    baseline="sgd",
    vary="learning_rate",
    split="test",
    metric="accuracy",
)
paired = split_differences.groupby("optimizer", sort=False)["difference"].agg(["mean", "sem"])
# The splits share most of their training rows and many test notes, so their differences are
# not independent: Nadeau and Bengio's (2003) correction widens the variance of the mean.
n_train_split = len(bgd.split_data(random_state=SPLIT_SEEDS[0]).y_train)
correction = 1 + len(SPLIT_SEEDS) * n_test / n_train_split
paired["corrected se"] = paired["sem"] * np.sqrt(correction)
split_table = pd.DataFrame(
    {
        "mean over splits": per_split.mean(),
        "sd over splits": per_split.std(),
        "worst split": per_split.min(),
        "best split": per_split.max(),
        "minus sgd, paired mean": paired["mean"],
        "its standard error": paired["sem"],
        "corrected standard error": paired["corrected se"],
    }
).loc[OPTIMIZERS]
(100 * split_table).rename(columns=lambda column: f"{column} (%)").style.format(
    "{:.2f}",
    na_rep="—",  # SGD is the baseline of the paired columns
)

# %% [markdown]
# On the left, each point is one optimizer's test accuracy on one split, the mean over the
# 10 seeds. On the right, each point is one split's paired difference from plain SGD (that
# optimizer minus SGD, on the same split and seeds), and the black bar spans the mean of the
# ten differences ± 2 corrected standard errors (explained below). The two panels share one
# vertical scale in percentage points, so their spreads can be compared by eye.

# %%
palette = dict(zip(OPTIMIZERS, bgd.hue_palette(len(OPTIMIZERS))))  # as in the sweep figures
long_split = (100 * per_split).reset_index().melt(id_vars="split_seed", value_name="accuracy")
long_difference = split_differences.assign(difference=100 * split_differences["difference"])
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), width_ratios=[3, 2])
sns.stripplot(
    data=long_split,
    x="split_seed",
    y="accuracy",
    hue="optimizer",
    hue_order=OPTIMIZERS,
    palette=palette,
    dodge=True,
    jitter=False,
    size=5,
    ax=axes[0],
)
axes[0].set(
    xlabel="train/test split (split_seed)",
    ylabel="test accuracy (%)",
    title="Test accuracy on each split",
)
sns.move_legend(
    axes[0], "upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, title=None, frameon=False
)
others_order = OPTIMIZERS[1:]
sns.stripplot(
    data=long_difference,
    x="optimizer",
    y="difference",
    hue="optimizer",
    order=others_order,
    palette=palette,
    jitter=0.15,
    size=5,
    legend=False,
    ax=axes[1],
)
for position, name in enumerate(others_order):
    mean, error = 100 * paired.loc[name, "mean"], 200 * paired.loc[name, "corrected se"]
    axes[1].errorbar(position, mean, yerr=error, color="black", capsize=6, lw=2, zorder=5)
axes[1].axhline(0, color="0.3", lw=1)
span = np.subtract(*axes[0].get_ylim()[::-1])
axes[1].set_ylim(-span / 2, span / 2)
axes[1].set(
    xlabel="optimizer",
    ylabel="minus sgd (percentage points)",
    title="Paired difference from SGD",
)
axes[1].tick_params(axis="x", rotation=30)
fig.suptitle(
    f"Each optimizer at its tuned rate on {len(SPLIT_SEEDS)} train/test splits (split_seed "
    f"{SPLIT_SEEDS[0]} to {SPLIT_SEEDS[-1]})\npoints: one split each, the mean over seeds "
    f"{FRESH_SEEDS[0]} to {FRESH_SEEDS[-1]}; bars: mean ± 2 corrected standard errors over "
    "the splits",
    fontsize="medium",
)
fig.tight_layout()
plt.show()

# %% tags=["hide-input"]
split_sd, split_range = split_table["sd over splits"], per_split.max() - per_split.min()
mean_over_splits = split_table["mean over splits"]
split_binomial = np.sqrt(mean_over_splits * (1 - mean_over_splits) / n_test)
optimizer_gap = mean_over_splits.max() - mean_over_splits.min()
t_naive = (paired["mean"] / paired["sem"]).abs()
t_split = (paired["mean"] / paired["corrected se"]).abs()
largest = paired["mean"].abs().idxmax()
naive_beyond = [name for name in others_order if t_naive[name] > 2]
share_of_binomial = abs(paired.loc[largest, "mean"]) / split_binomial.min()


def points(name, se="corrected se"):
    """An optimizer's paired difference from SGD over the splits, in percentage points."""
    return f"{100 * paired.loc[name, 'mean']:+.2f} ± {100 * paired.loc[name, se]:.2f}"


Markdown(
    f"From its worst split to its best, each optimizer's test accuracy moves by "
    f"**{100 * split_range.min():.1f} to {100 * split_range.max():.1f} percentage points** "
    f"({n_test * split_range.min():.0f} to {n_test * split_range.max():.0f} of the {n_test} "
    f"test notes), with a standard deviation over the splits of {100 * split_sd.min():.2f} to "
    f"{100 * split_sd.max():.2f} points. That is close to the binomial standard error of one "
    f"test accuracy ({100 * split_binomial.min():.2f} to {100 * split_binomial.max():.2f} "
    "points): the error bar of the previous section is an honest guide to how much another "
    "split would change the number. The splits move all the optimizers together, and the "
    f"optimizers' means over the splits lie only **{100 * optimizer_gap:.2f} points** apart "
    f"({mean_over_splits.idxmax()} highest, {mean_over_splits.idxmin()} lowest), less than "
    "the standard deviation of any one optimizer over the splits. Paired split by split, the "
    f"largest difference from SGD is {largest}'s **{points(largest, 'sem')} points** (mean ± "
    f"its standard error over the {len(SPLIT_SEEDS)} splits), {t_naive[largest]:.1f} "
    "standard errors from 0; "
    + ", ".join(f"{name}'s is {t_naive[name]:.1f}" for name in naive_beyond if name != largest)
    + ". But that standard error treats the ten splits as independent, and they are not: "
    f"each trains on {n_train_split} of the same {n_train_split + n_test} notes, so any two "
    "share most of their training rows, and their test notes overlap. Nadeau and Bengio's "
    "correction for such resampled splits multiplies the variance of the mean by "
    f"1 + {len(SPLIT_SEEDS)} × {n_test}/{n_train_split} = {correction:.1f} (the standard "
    f"error by {np.sqrt(correction):.1f}): {largest} then differs by "
    f"**{points(largest)} points**, {t_split[largest]:.1f} corrected standard errors from "
    f"0, and no optimizer by more than two. Even the uncorrected error covers only the "
    f"average over random re-splits of these {n_train_split + n_test} notes, not notes from "
    f"elsewhere. {largest}'s gap, about {n_test * abs(paired.loc[largest, 'mean']):.1f} of "
    f"the {n_test} test notes, points the same way as on the course's split, but ten splits "
    f"cannot establish it; it is {share_of_binomial:.1f} times the binomial error of one "
    "test accuracy, and a fraction of what the choice of split alone does to it."
)

# %% tags=["remove-input"]
assert (split_sd > optimizer_gap).all(), "the split should move accuracy more than the rule"
assert per_split.corr().min().min() > 0.8, "the splits should move all the optimizers together"
spread_ratio = split_sd / split_binomial
assert ((spread_ratio > 0.5) & (spread_ratio < 1.5)).all(), "spread over splits ~ binomial error"
assert t_naive[largest] > 2, "uncorrected, the largest difference from SGD looks resolved"
assert (t_split < 2).all(), "corrected for overlapping splits, no difference is resolved"
assert (high, low) == ("sgd", largest), "the same gap as on the course's split"
assert share_of_binomial < 0.75, "but it should stay well under one binomial standard error"


# %% [markdown]
# ## Adagrad: a shrinking rate is not a shrinking step
#
# Adagrad's per-weight learning rate $\eta/\sqrt{s + \epsilon}$ can only fall, since $s$ only
# grows (we write $\eta/\sqrt{s}$ below: $\epsilon = 10^{-7}$ is negligible next to $s$). It
# is tempting to read this as "Adagrad's steps only shrink", but the step is that rate times
# the gradient. To see both, we run Keras's own Adagrad at its tuned rate, one batch at a
# time, and after every update record the weights and the optimizer's accumulators $s$.
# (The sweep engine keeps only the final weights, so this short loop uses the model, the
# initial weights and the batch order that `bgd` provides; it checks that its runs end at
# the same training loss as the sweep's runs of the same seeds.)

# %%
split = bgd.split_data()
adagrad_rate = float(chosen_rate["adagrad"])
model = bgd.build_model(optimizer="adagrad", learning_rate=adagrad_rate)
weights, adagrad = model.trainable_variables, model.optimizer
adagrad.build(weights)
start = [v.numpy() for v in adagrad.variables]  # iteration counter, rate, accumulators s
accumulators = [v for v in adagrad.variables if "accumulator" in v.path]
X_train, y_train = tf.constant(split.X_train), tf.constant(split.y_train[:, None])


@tf.function
def update(rows):
    """One Adagrad update on the batch ``rows``; return the weights and accumulators after it."""
    with tf.GradientTape() as tape:
        predictions = model(tf.gather(X_train, rows))
        losses = keras.losses.binary_crossentropy(tf.gather(y_train, rows), predictions)
        loss = tf.reduce_mean(losses)
    adagrad.apply_gradients(zip(tape.gradient(loss, weights), weights))
    return tf.concat([tf.reshape(v, [-1]) for v in weights + accumulators], axis=0)


records, final_losses = [], {}
n_rows = len(split.X_train)
# Keras's start s0 = 0.1 (the runs we compare with the sweep), then s0 = 0 for contrast.
for s0, seed in [(s0, seed) for s0 in (None, 0.0) for seed in FRESH_SEEDS]:
    model.set_weights(bgd.initial_weights(seed))  # the same start as every run of this seed
    for variable, value in zip(adagrad.variables, start):
        variable.assign(value)
    for accumulator in accumulators if s0 is not None else []:
        accumulator.assign(tf.fill(accumulator.shape, s0))
    order = bgd.batch_order(seed, n_samples=n_rows, epochs=EPOCHS)
    before = np.concatenate([np.ravel(v.numpy()) for v in weights])
    for t, (epoch, first) in enumerate(
        (e, s) for e in range(EPOCHS) for s in range(0, n_rows, BATCH_SIZE)
    ):
        after = update(tf.constant(order[epoch, first : first + BATCH_SIZE])).numpy()
        new_weights, s = after[: len(before)], after[len(before) :]
        records.append(
            {
                "start": "Keras" if s0 is None else s0,
                "seed": seed,
                "update": t + 1,
                "step size |Δw|": np.linalg.norm(new_weights - before),
                "largest rate η/√s": adagrad_rate / np.sqrt(s.min()),
                "smallest rate η/√s": adagrad_rate / np.sqrt(s.max()),
            }
        )
        before = new_weights
    if s0 is None:
        final_losses[seed] = bgd.logistic_loss(
            before[:-1], before[-1], split.X_train, split.y_train
        )
all_starts = pd.DataFrame(records)
trajectory = all_starts[all_starts["start"] == "Keras"].drop(columns="start")
zero_start = all_starts[all_starts["start"] == 0.0].drop(columns="start")
engine_losses = bgd.final_values(tuned[tuned["optimizer"] == "adagrad"]).set_index("seed")["value"]
assert np.allclose(pd.Series(final_losses), engine_losses, rtol=1e-3), "the loop = the sweep's runs"
trajectory.groupby("update").mean().drop(columns="seed").iloc[[0, 9, 99, -1]].round(4)

# %% [markdown]
# The figure shows, over the updates of the run, the largest and the smallest of the five
# per-weight rates (left) and the length of the whole update $|\Delta w|$ (right), each as
# the median over the fresh seeds with a band from the 25th to the 75th percentile of the
# seeds.

# %%
long = trajectory.melt(
    id_vars=["seed", "update"],
    value_vars=["largest rate η/√s", "smallest rate η/√s", "step size |Δw|"],
    var_name="quantity",
)
long["panel"] = np.where(long["quantity"].str.contains("rate"), "per-weight learning rate", "step")
with sns.axes_style("whitegrid"):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colors = sns.color_palette("colorblind", 3)
    for ax, panel in zip(axes, ["per-weight learning rate", "step"]):
        data = long[long["panel"] == panel]
        names = list(pd.unique(data["quantity"]))
        sns.lineplot(
            data=data,
            x="update",
            y="value",
            hue="quantity",
            hue_order=names,
            style="quantity",
            palette=dict(zip(names, colors[: len(names)] if panel != "step" else colors[2:])),
            estimator="median",
            errorbar=("pi", 50),
            ax=ax,
        )
        ax.set(xlabel="update", ylabel=panel.replace("step", "step size |Δw| (log scale)"))
        ax.legend(title=None)
        ax.grid(axis="x", visible=False)
        for epoch in range(1, EPOCHS):
            ax.axvline(epoch * len(range(0, n_rows, BATCH_SIZE)), color="0.8", lw=0.8, zorder=0)
    axes[0].set_ylim(bottom=0)
    bgd.log_axis(axes[1], axis="y")
    s0_keras = optimizer_table.loc["adagrad", "initial_accumulator_value"]
    axes[0].set_title(f"Adagrad's rates η/√s only fall, and slowly (from $s_0$ = {s0_keras:g})")
    axes[1].set_title("its steps follow the gradient")
    fig.suptitle(
        f"Adagrad at learning rate {adagrad_rate:g}, batch size {BATCH_SIZE}: median over "
        f"{len(FRESH_SEEDS)} seeds, band: 25th to 75th percentile (thin lines: epochs)",
        fontsize="medium",
    )
    fig.tight_layout()

# %% tags=["hide-input"]
per_update = trajectory.groupby("update").mean()
updates_per_epoch = len(range(0, n_rows, BATCH_SIZE))
first_epoch = per_update.iloc[:updates_per_epoch]
last_epoch = per_update.iloc[-updates_per_epoch:]
rate_fall = first_epoch["largest rate η/√s"].mean() / last_epoch["largest rate η/√s"].mean()
step_fall = first_epoch["step size |Δw|"].mean() / last_epoch["step size |Δw|"].mean()
step_change = trajectory.groupby("seed")["step size |Δw|"].diff()
share_growing = (step_change.dropna() > 0).mean()
s_start = float(optimizer_table.loc["adagrad", "initial_accumulator_value"])
s_last = ((adagrad_rate / trajectory.groupby("seed")["largest rate η/√s"].last()) ** 2).mean()
per_update_zero = zero_start.groupby("update").mean()


def fall(frame, column):
    """How many times smaller ``column`` is in the last epoch than in the first (per update)."""
    return (
        frame[column].iloc[:updates_per_epoch].mean()
        / frame[column].iloc[-updates_per_epoch:].mean()
    )


zero_rate_fall = fall(per_update_zero, "largest rate η/√s")
zero_step_fall = fall(per_update_zero, "step size |Δw|")
rates_never_rise = (trajectory.groupby("seed")["largest rate η/√s"].diff().dropna() <= 1e-9).all()
Markdown(
    f"From the first epoch to the last, the largest per-weight rate falls by a factor of only "
    f"**{rate_fall:.2f}**, but the mean step falls by a factor of **{step_fall:.1f}**; and in "
    f"**{100 * share_growing:.0f} %** of the updates the step is *longer* than the one "
    f"before. Of the fall by {step_fall:.1f}, the rate accounts for a factor of "
    f"{rate_fall:.2f} and the shrinking gradient for the remaining "
    f"{step_fall / rate_fall:.1f}: the steps shrink mostly because the weights approach the "
    "minimum, as they would with plain SGD, and they grow again whenever a batch's gradient "
    f"is larger than the last one. This is a property of Keras's starting value "
    f"$s_0$ = {s_start:g}: at the last update the accumulator of the weight with the largest "
    f"rate holds only {s_last:.3f} (mean over the seeds), of which $s_0$ is still "
    f"{100 * s_start / s_last:.0f} %. Started at $s_0$ = 0 (the same seeds, rerun), the "
    "accumulators hold only the squared gradients, and from the first epoch to the last the "
    f"largest rate falls by a factor of {zero_rate_fall:.2f} and the mean step by "
    f"{zero_step_fall:.2f}: then the accumulator does much of the shrinking."
)

# %% tags=["remove-input"]
assert rates_never_rise, "Keras's Adagrad rates should never rise"
assert rate_fall < 2, "the rate should fall by less than half over the run"
assert step_fall > 2 * rate_fall, "the step should fall far more than the rate"
assert share_growing > 0.25, "a good share of the steps should be longer than the one before"
assert s_start / s_last > 0.25, "the starting value should still be a large part of s"
assert zero_rate_fall > 2 * rate_fall, "started at 0, the rates should fall much further"

# %% [markdown]
# ## What a fair comparison needs
#
# - **The same budget**: the same number of epochs and updates (here the same batch size)
#   for every optimizer; an optimizer given more updates is not better, only given more.
# - **The same seeds, paired**: in this package a seed fixes the initial weights and the
#   order of the batches, the same for every optimizer, so differences taken seed by seed
#   cancel most of the seed's luck; report their mean with its standard error or a paired
#   bootstrap interval, and say what the band is.
# - **Each optimizer tuned**: at least its learning rate, on a grid wide enough that the
#   chosen value is not at an edge (checked above), chosen with one set of seeds on the
#   quantity being compared, and reported on fresh seeds. (When the question is how well a
#   model does on new notes, that quantity is the loss on validation rows carved out of the
#   training rows; here it is the training loss, and the validation rows chose the same rates
#   or rates one step of the grid away.)
# - **A yardstick**: the excess loss $L - L^*$ over the lowest loss there is, on the loss of
#   the final weights, not a running mean that lags them.
# - **A held-out set for the final number, read once**: the test accuracy of the chosen
#   settings, with its binomial standard error for how one model would do on new notes;
#   for the difference between two models scored on the same notes, count the notes on
#   which they disagree. Where a claim depends on the split, repeat it on several splits,
#   pair the comparison split by split, and correct its standard error for the overlap
#   between the splits.
#
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"At their default learning rates the optimizers seem far apart (excess loss "
    f"{default_excess.min():.3f} to {default_excess.max():.3f} over the floor "
    f"$L^*$ = {L_STAR:.4f}). Tuned with seeds 0 to {SEEDS - 1} and reported on seeds "
    f"{FRESH_SEEDS[0]} to {FRESH_SEEDS[-1]}, with the same {n_updates} updates (the tuning "
    f"runs, on fewer rows, had {tuning_updates}), every "
    f"optimizer improves by {gain.min():.3f} to {gain.max():.3f} (paired, every 95 % interval "
    f"below 0). Tuned, their excess losses ({tuned_excess.min():.4f} to "
    f"{tuned_excess.max():.4f}) differ by up to {tuned_excess.max() / tuned_excess.min():.1f}"
    f"-fold, but at these constant rates no paired difference from SGD exceeds its "
    f"uncertainty on ten seeds, even though the loss is a ravine (condition number "
    f"{condition_number:.0f}). Their test accuracies ({100 * accuracy['mean'].min():.2f} % to "
    f"{100 * accuracy['mean'].max():.2f} %) differ by less than the binomial standard error "
    f"of one accuracy ({standard_error * n_test:.1f} notes), but paired note by note, "
    f"{high} gets {paired_notes:.1f} ± {paired_se:.2f} more notes right than {low} on the "
    f"course's split. On {len(SPLIT_SEEDS)} other train/test splits the test accuracy moved "
    f"by up to {100 * split_range.max():.1f} percentage points from split to split, while "
    f"the optimizers' means differed by at most {100 * optimizer_gap:.2f} ({largest} "
    f"{points(largest)} against SGD, paired by split, with the standard error corrected for "
    f"the overlap of the splits): not resolved. With Keras's starting accumulator "
    f"$s_0$ = {s_start:g}, Adagrad's per-weight rate fell by a factor of {rate_fall:.2f} "
    f"while its step fell by {step_fall:.1f}: the gradient, not the accumulator, shrank the "
    "steps."
)

# %% [markdown]
# Underneath every lesson so far sits the same line, $w \leftarrow w - \eta \nabla L(w)$, and
# the same habits: several seeds rather than one run, paired comparisons with their
# uncertainty, settings chosen on one set of seeds and reported on fresh ones, numbers
# computed rather than remembered, and a test set kept out of every choice. The next lessons
# look at the curvature of the loss behind the learning rates we found.
#
# ## Further reading
#
# - Polyak, B. T. (1964). *Some methods of speeding up the convergence of iteration
#   methods.* USSR Computational Mathematics and Mathematical Physics 4(5).
# - Nesterov, Y. (1983). *A method for solving the convex programming problem with
#   convergence rate O(1/k²).* Soviet Mathematics Doklady 27.
# - Sutskever, I., Martens, J., Dahl, G. & Hinton, G. (2013). *On the importance of
#   initialization and momentum in deep learning.* ICML.
# - Duchi, J., Hazan, E. & Singer, Y. (2011). *Adaptive Subgradient Methods for Online
#   Learning and Stochastic Optimization.* Journal of Machine Learning Research 12.
# - Tieleman, T. & Hinton, G. (2012). *Lecture 6.5, rmsprop: Divide the gradient by a
#   running average of its recent magnitude.* Coursera, Neural Networks for Machine Learning.
# - Kingma, D. P. & Ba, J. (2015). *Adam: A Method for Stochastic Optimization.* ICLR.
# - Choi, D., Shallue, C. J., Nado, Z., Lee, J., Maddison, C. J. & Dahl, G. E. (2019). *On
#   Empirical Comparisons of Optimizers for Deep Learning.* arXiv:1910.05446.
# - McNemar, Q. (1947). *Note on the sampling error of the difference between correlated
#   proportions or percentages.* Psychometrika 12.
# - Nadeau, C. & Bengio, Y. (2003). *Inference for the Generalization Error.* Machine
#   Learning 52.
