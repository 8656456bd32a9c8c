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
# into updates. Some remember past gradients (momentum), some give every weight its own step
# size (Adagrad, RMSprop), and Adam does both. Which one is best? The answer depends as much
# on *how* you compare as on the optimizers, so this lesson is also about fair comparisons.
#
# **What you will learn**
#
# - the update rules of six Keras optimizers;
# - why comparing optimizers at their default learning rates is unfair;
# - how to compare them fairly: tune each one's learning rate on the training loss, give
#   each the same budget and seeds, and report the held-out accuracy over several seeds.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle

import banknote_gd as bgd
from banknote_gd.engine import supports

EPOCHS = 10
BATCH_SIZE = 32
SEEDS = 20
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
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
# - **adagrad**: each weight's step is divided by the root of the sum of *all* its past
#   squared gradients, $s \leftarrow s + g^2$,
#   $w \leftarrow w - \eta\, g / (\sqrt{s} + \epsilon)$: steps only ever shrink.
# - **rmsprop**: the same, but with a moving average that forgets,
#   $s \leftarrow \rho s + (1-\rho) g^2$.
# - **adam**: momentum and RMSprop together, $m \leftarrow \beta_1 m + (1-\beta_1) g$,
#   $s \leftarrow \beta_2 s + (1-\beta_2) g^2$, both corrected for starting at zero
#   ($\hat m$, $\hat s$), $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat s} + \epsilon)$.
#   The size of a step is then close to $\eta$ whatever the size of the gradient.
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
# ## At their default learning rates
#
# The first comparison most people make: every optimizer with the learning rate Keras gives
# it by default, for the same number of epochs. Leaving `learning_rate` out of the sweep
# does exactly that.

# %%
defaults = bgd.sweep({"optimizer": OPTIMIZERS}, seeds=SEEDS, epochs=EPOCHS, batch_size=BATCH_SIZE)
grid = bgd.plot_sweep(
    defaults,
    hue="optimizer",
    log_y=True,
    title=f"Each optimizer at its default learning rate ({EPOCHS} epochs, batch size {BATCH_SIZE})",
)


# %%
def final_values(frame, by):
    """Mean and standard deviation over seeds of the final training loss and test accuracy."""
    last = frame[frame["epoch"] == frame["epoch"].max()]
    loss = last.query("split == 'train' and metric == 'loss'")
    accuracy = last.query("split == 'test' and metric == 'accuracy'")
    return pd.concat(
        {
            "train loss": loss.groupby(by, sort=False)["value"].agg(["mean", "std"]),
            "test accuracy": accuracy.groupby(by, sort=False)["value"].agg(["mean", "std"]),
        },
        axis=1,
    ).rename(columns={"std": "sd"})


at_defaults = final_values(defaults, ["optimizer", "learning_rate"])
at_defaults.round(4)

# %% tags=["hide-input"]
default_loss = at_defaults[("train loss", "mean")].droplevel("learning_rate")
default_accuracy = at_defaults[("test accuracy", "mean")].droplevel("learning_rate")
assert default_loss.idxmin() in ("momentum", "nesterov")
assert default_loss["adam"] > default_loss["momentum"]
Markdown(
    f"At the defaults the ranking looks clear: {default_loss.idxmin()} ends with a training "
    f"loss of **{default_loss.min():.3f}** and a test accuracy of "
    f"**{default_accuracy[default_loss.idxmin()]:.3f}**, Adam with **{default_loss['adam']:.3f}** "
    f"and **{default_accuracy['adam']:.3f}**, and {default_loss.idxmax()} with "
    f"**{default_loss.max():.3f}** and **{default_accuracy[default_loss.idxmax()]:.3f}**."
)

# %% [markdown]
# Momentum and Nesterov momentum give nearly the same curves, and so do RMSprop and Adam:
# their lines lie on top of each other.

# %% tags=["hide-input"]
assert np.isclose(default_loss["momentum"], default_loss["nesterov"], rtol=0.01)
assert np.isclose(default_loss["rmsprop"], default_loss["adam"], rtol=0.05)

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
Markdown(
    f"Our model has **{n_weights} weights** ({len(bgd.FEATURES)} coefficients and a bias), "
    f"and each run takes **{n_updates} updates**: with steps of roughly {adam_step:g} per "
    f"update, Adam at its default rate moves each weight by roughly "
    f"{adam_step * n_updates:.1f} at most in the whole run."
)

# %% [markdown]
# ## Tuning each optimizer's learning rate
#
# We train every optimizer at every rate of a grid spaced by factors of about 3
# (`LEARNING_RATES`, set in the first cell), with the same seeds. It is one call to
# `bgd.sweep`, and the vectorised engine trains all the runs together (their number is
# printed below the cell).

# %%
frame = bgd.sweep(
    {"optimizer": OPTIMIZERS, "learning_rate": LEARNING_RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
)
assert not frame["diverged"].any(), "no run should diverge on this grid"
results = final_values(frame, ["optimizer", "learning_rate"])
last_epoch = frame[frame["epoch"] == frame["epoch"].max()]
mean_loss = last_epoch.query("split == 'train' and metric == 'loss'").pivot_table(
    index="optimizer", columns="learning_rate", values="value", aggfunc="mean", sort=False
)
n_runs = frame.groupby(list(bgd.RUN_COLUMNS)).ngroups
updates = int(frame["step"].max())
Markdown(
    f"{len(OPTIMIZERS)} optimizers × {len(LEARNING_RATES)} learning rates × {SEEDS} seeds = "
    f"**{n_runs} runs**, each of {EPOCHS} epochs = {updates} updates of {BATCH_SIZE} rows."
)

# %% [markdown]
# **How to choose the rate.** For each optimizer we take the learning rate with the lowest
# final *training* loss, averaged over the seeds. We do not choose on the test accuracy:
# the test rows would then have helped pick the setting, and the test accuracy we report
# for it would be optimistic: it would no longer measure how the model does on notes it
# has never seen. (With many settings to choose from, one would keep a separate validation
# set for choosing; the training loss is fair here because it is what an optimizer is asked
# to minimise.)
#
# The heat map shows the mean final training loss of every optimizer at every rate; the
# chosen rates are framed.

# %%
chosen_rate = mean_loss.idxmin(axis=1)
assert all(LEARNING_RATES[0] < chosen_rate[name] < LEARNING_RATES[-1] for name in OPTIMIZERS), (
    "every chosen rate should lie inside the grid, not at its edge"
)

fig, ax = plt.subplots(figsize=(10, 4))
sns.heatmap(
    mean_loss,
    annot=True,
    fmt=".3f",
    annot_kws={"fontsize": 8},
    cmap="cividis",
    norm=LogNorm(),
    linewidths=0.5,
    cbar_kws={"label": "final training loss (log scale)"},
    ax=ax,
)
for row, name in enumerate(mean_loss.index):
    column = list(mean_loss.columns).index(chosen_rate[name])
    ax.add_patch(Rectangle((column, row), 1, 1, fill=False, edgecolor="white", lw=3))
ax.set_xticklabels([f"{rate:g}" for rate in mean_loss.columns])
ax.set(
    xlabel="learning rate $\\eta$",
    ylabel="optimizer",
    title=f"Mean final training loss over {SEEDS} seeds after {EPOCHS} epochs "
    "(framed: the rate chosen for each optimizer)",
)
ax.tick_params(axis="y", rotation=0)

# %% [markdown]
# Each row is a valley: too small a rate leaves the loss high because the weights barely
# move, too large a rate makes the steps overshoot. The valleys sit at different rates,
# which is why a single shared learning rate, or each optimizer's default, cannot compare
# them fairly.

# %% tags=["hide-input"]
ratio_to_default = chosen_rate / default_rate
assert chosen_rate.min() < chosen_rate.max(), "the valleys should sit at different rates"
assert (ratio_to_default >= 10).all(), "every chosen rate should be far above the default"
assert np.isclose(chosen_rate["sgd"] / chosen_rate["momentum"], 10)
Markdown(
    "Chosen learning rates: "
    + ", ".join(
        f"{name} **{chosen_rate[name]:g}** ({ratio_to_default[name]:g} × its default)"
        for name in OPTIMIZERS
    )
    + ". Momentum's chosen rate is a tenth of plain SGD's: with $\\beta = 0.9$ its steps are "
    "about ten times $\\eta$ times the gradient, so it needs a rate ten times smaller for "
    "the same step."
)

# %% [markdown]
# ## The tuned optimizers, side by side
#
# Now every optimizer runs at its own chosen rate, with the same budget and the same
# seeds (the rates are in the table below the figure). The band around each mean is the 95 %
# interval over the seeds.

# %%
chosen = pd.MultiIndex.from_arrays([chosen_rate.index, chosen_rate.to_numpy()])
is_chosen = pd.MultiIndex.from_frame(frame[["optimizer", "learning_rate"]]).isin(chosen)
tuned = frame[is_chosen]
grid = bgd.plot_sweep(
    tuned,
    hue="optimizer",
    title=f"Each optimizer at its tuned learning rate ({EPOCHS} epochs, batch size {BATCH_SIZE})",
)

# %%
tuned_table = results.loc[list(zip(chosen_rate.index, chosen_rate))]
tuned_table.round(4)

# %% tags=["hide-input"]
tuned_loss = tuned_table[("train loss", "mean")].droplevel("learning_rate")
tuned_accuracy = tuned_table[("test accuracy", "mean")].droplevel("learning_rate")
tuned_accuracy_sd = tuned_table[("test accuracy", "sd")].droplevel("learning_rate")
n_test = len(bgd.split_data().y_test)
default_range = default_loss.max() - default_loss.min()
tuned_range = tuned_loss.max() - tuned_loss.min()
accuracy_range = tuned_accuracy.max() - tuned_accuracy.min()
assert tuned_range < default_range / 10, "tuning should shrink the differences"
assert (tuned_loss < default_loss).all(), "tuning should help every optimizer"
assert accuracy_range < tuned_accuracy_sd.max(), "accuracy gap within the seed spread"
Markdown(
    f"After tuning, the final training losses lie between **{tuned_loss.min():.4f}** "
    f"({tuned_loss.idxmin()}) and **{tuned_loss.max():.4f}** ({tuned_loss.idxmax()}): a "
    f"range of {tuned_range:.4f}, against {default_range:.3f} at the defaults. The mean "
    f"test accuracies lie between **{tuned_accuracy.min():.4f}** and "
    f"**{tuned_accuracy.max():.4f}**, a difference of {accuracy_range * n_test:.1f} of the "
    f"{n_test} test notes; the seeds alone move one optimizer's accuracy by a standard "
    f"deviation of up to {tuned_accuracy_sd.max():.4f} "
    f"({tuned_accuracy_sd.max() * n_test:.1f} notes)."
)

# %% [markdown]
# Once tuned, the six optimizers end close together: the spread of their final losses is a
# small fraction of the spread the defaults suggested, and their mean test accuracies differ
# by less than the seed-to-seed spread of a single optimizer. For a linear model on four
# standardised features, whose loss has a single smooth valley, the learning rate matters
# far more than the update rule. Momentum and the adaptive methods earn their reputation on
# harder problems: deep networks with ravines in the loss, and weights whose gradients
# differ by orders of magnitude.
#
# ## What a fair comparison needs
#
# - **The same budget**: the same number of epochs and updates (here the same batch size)
#   for every optimizer; an optimizer given more updates is not better, only given more.
# - **The same seeds**: in this package a seed fixes the initial weights and the order of
#   the batches, the same for every optimizer, so all of them start from the same point and
#   see the same data in the same order.
# - **Each optimizer tuned**: at least its learning rate, on a grid wide enough that the
#   chosen value is not at an edge (checked above).
# - **Several seeds**: a mean and its spread, not one lucky or unlucky run.
# - **A held-out set for the final number**: choose on the training (or a validation) loss,
#   report on rows that played no part in the choice.

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"At their default learning rates the optimizers seem far apart (final training loss "
    f"{default_loss.min():.3f} to {default_loss.max():.3f}); tuned on the training loss, "
    f"with the same {updates} updates and the same {SEEDS} seeds, they end between "
    f"{tuned_loss.min():.4f} and {tuned_loss.max():.4f}, with test accuracies between "
    f"{tuned_accuracy.min():.4f} and {tuned_accuracy.max():.4f}."
)

# %% [markdown]
# That closes the course. Across its eight lessons you have:
#
# 1. met the banknote data and split it into training and test rows, with the scaler fitted
#    on the training rows only;
# 2. set the baselines any model must beat;
# 3. trained a first Keras model and read its learning curves;
# 4. written gradient descent by hand and checked it against Keras;
# 5. seen what the learning rate does: too small is slow, too large overshoots or diverges;
# 6. traded the noise of small batches against the number of updates;
# 7. decayed the learning rate with schedules, to start with big steps and still settle;
# 8. compared optimizers, and learned that a fair comparison tunes each one, fixes the
#    budget and the seeds, and reports on held-out data.
#
# Underneath every lesson sits the same line, $w \leftarrow w - \eta \nabla L(w)$, and the
# same habits: several seeds rather than one run, numbers computed rather than remembered,
# and a test set kept out of every choice.
#
# Back to the start: [Lesson 1: The data](01_data.py)
