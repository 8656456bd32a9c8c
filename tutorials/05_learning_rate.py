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
# **How big a step should gradient descent take? A sweep over the learning rate, measured
# against the best loss the model can reach, chosen on validation rows and checked on fresh
# seeds, with full-batch descent as the control.**
#
# **What you will learn**
#
# - the yardstick of every training run of logistic regression: the lowest training loss
#   $L^*$ the model can reach, and a run's *excess loss* $L - L^*$;
# - how to choose a learning rate fairly: compare the loss of the final weights, choose on
#   validation rows and one set of seeds, report on fresh seeds, and compare rates with
#   *paired* differences and their standard errors;
# - what the curvature of the loss says about the largest safe step, why the bound
#   $2/\lambda_{\max}$ at the start is a worst case, and why later lessons can train at
#   rates far above it;
# - how a full-batch control run tells curvature from mini-batch noise;
# - why raw and standardised features must each be compared at their own tuned rate.
#
# The model is the logistic regression of the previous lessons (one dense unit with a
# sigmoid), trained with plain stochastic gradient descent (SGD) on mini-batches of
# `BATCH_SIZE` banknotes for `EPOCHS` epochs (set in the first cell).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

RATES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]  # a logarithmic grid
COURSE_RATES = [0.01, 0.05, 0.1, 0.5]  # the sweep of the original course
CONTROL_RATES = [0.1, 0.5, 2.0]  # raw features: full-batch control against mini-batches
BATCH_SIZE = 16
EPOCHS = 10
VALIDATION_SIZE = 0.2  # a fifth of the training rows, never trained on, to choose on
SEEDS = 10  # seeds 0 to 9 choose the learning rate ...
REPORT_SEEDS = list(range(SEEDS, 2 * SEEDS))  # ... fresh seeds 10 to 19 report on it
SCALINGS = {"standardised": True, "raw": False}
COLOURS = dict(zip(SCALINGS, sns.color_palette("colorblind", 2)))

# %% [markdown]
# ## The yardstick: the best loss this model can reach
#
# Logistic regression has a convex training loss, so it has one lowest value $L^*$, and
# Newton's method finds it in a few steps. `bgd.optimum` computes it, in double precision,
# on the training rows of a split. We carve a validation part out of the training rows
# (`VALIDATION_SIZE`, stratified): the model never trains on it, and the learning rate is
# chosen on it, so the test rows stay untouched until the end. $L^*$ is therefore the
# optimum on the remaining training rows, the rows every run below trains on.

# %%
data = {
    name: bgd.split_data(standardize=flag, validation_size=VALIDATION_SIZE)
    for name, flag in SCALINGS.items()
}
optima = {name: bgd.optimum(split) for name, split in data.items()}
yardstick = pd.DataFrame(
    {
        name: {
            "training rows": len(data[name].X_train),
            "validation rows": len(data[name].X_val),
            "L* (lowest training loss)": opt.loss,
            "Newton steps": opt.iterations,
            "training accuracy at L*": opt.train_accuracy,
            "test accuracy at L*": opt.test_accuracy,
        }
        for name, opt in optima.items()
    }
)
yardstick

# %% tags=["remove-input"]
L_STAR = optima["standardised"].loss
assert abs(optima["raw"].loss - L_STAR) < 1e-6, "standardising cannot change the lowest loss"
assert optima["raw"].test_accuracy == optima["standardised"].test_accuracy

# %% tags=["hide-input"]
Markdown(
    f"No training of this model on these {len(data['raw'].X_train)} rows can end below "
    f"$L^* = {L_STAR:.5f}$; with raw and standardised features alike (standardising is an "
    "invertible change of the inputs that the weights can undo, so the two optima are the "
    "same model and score the same "
    f"**{100 * optima['raw'].test_accuracy:.2f} %** on the test rows). From now on a run is "
    "judged by its **excess loss** $L - L^*$: how far above the best possible it ended."
)

# %% [markdown]
# ## The sweep
#
# `bgd.sweep` trains every learning rate of `RATES` (a logarithmic grid from 0.01 to 100)
# with each of the seeds 0 to `SEEDS` − 1, on standardised and on raw features. A seed fixes
# the initial weights and the order of the mini-batches, and each seed is used for every
# rate, so two rates are compared on the same starts: the comparison is *paired*.
#
# The frame holds, per epoch, four measurements (`split`): `train`, the loss of the weights
# at the end of the epoch on all training rows; `train_running`, Keras's running mean over
# the epoch's batches, which [lesson 3](03_first_model.py) showed lags the model by an amount
# that depends on the batch size (we do not compare settings on it); `validation`, the
# end-of-epoch weights on the validation rows; and `test`.

# %%
selection = bgd.sweep(
    {"standardize": list(SCALINGS.values()), "learning_rate": RATES},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    batch_size=BATCH_SIZE,
    validation_size=VALIDATION_SIZE,
)
selection.groupby("split")["value"].size()

# %% [markdown]
# The course's four rates on standardised features, with $L^*$ drawn as a dotted line. Each
# line is the mean over the seeds, and the band a 95 % bootstrap interval of that mean (it
# says how well `SEEDS` seeds pin the mean down, not how much one run varies):

# %%
course = selection[selection["standardize"] & selection["learning_rate"].isin(COURSE_RATES)]
grid = bgd.plot_sweep(course, hue="learning_rate", split="train", log_y=True)
loss_axis = grid.axes_dict["loss"]
loss_axis.axhline(L_STAR, color="0.2", linestyle=":", linewidth=1.5)
loss_axis.annotate(
    "L* (the optimum)", (1, L_STAR), xycoords=("axes fraction", "data"), ha="right", va="bottom"
)
loss_axis.set_ylim(bottom=0.8 * L_STAR)
plt.show()

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&learning_rate=0.5&batch_size=16&view=curves)
#
# Every rate of the course is still well above $L^*$ after the last epoch: the larger the rate, the
# closer. Where does that stop? The whole grid, as the mean excess loss after the last epoch against
# the learning rate (the band is the mean ± one standard error over the seeds). The column
# `diverged` counts the runs whose loss became infinite, which the lines would leave out; below
# we will see why none can here:

# %%
final_train = bgd.final_values(selection, split="train", metric="loss")
final_validation = bgd.final_values(selection, split="validation", metric="loss")
final_train["features"] = final_train["standardize"].map({True: "standardised", False: "raw"})
final_train["excess"] = final_train["value"] - L_STAR
final_train["validation loss"] = final_validation["value"].to_numpy()
by_rate = final_train.groupby(["features", "learning_rate"]).agg(
    excess=("excess", "mean"),
    excess_se=("excess", "sem"),
    validation=("validation loss", "mean"),
    validation_se=("validation loss", "sem"),
    diverged=("diverged", "sum"),
)
by_rate.round(4)

# %% [markdown]
# The tuned rate of each feature scaling is the one with the lowest mean validation loss
# after the last epoch (a rate at which some seed diverged would be skipped):

# %%
stable = by_rate[by_rate["diverged"] == 0]
tuned = stable["validation"].groupby(level="features").idxmin().map(lambda key: key[1])
tuned

# %%
curvature = {}
for name, split in data.items():
    at_zero = bgd.hessian_eigenvalues(np.zeros(4), 0.0, split.X_train, split.y_train)
    curvature[name] = {
        "λmax at w = 0": at_zero[-1],
        "2 / λmax at w = 0": 2 / at_zero[-1],
        "λmax at the optimum": optima[name].lambda_max,
        "2 / λmax at the optimum": 2 / optima[name].lambda_max,
        "λmax / λmin at w = 0": at_zero[-1] / at_zero[0],
    }
curvature = pd.DataFrame(curvature).T

figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for name in SCALINGS:
    rows = stable.loc[name]
    rates = rows.index.to_numpy()
    colour = COLOURS[name]
    for ax, column in ((left, "excess"), (right, "validation")):
        mean, se = rows[column].to_numpy(), rows[f"{column}_se"].to_numpy()
        ax.plot(rates, mean, marker="o", color=colour, label=f"{name} features")
        ax.fill_between(rates, mean - se, mean + se, color=colour, alpha=0.25, linewidth=0)
    for ax in (left, right):
        ax.axvline(curvature.loc[name, "2 / λmax at w = 0"], color=colour, linestyle=":")
        ax.axvline(curvature.loc[name, "2 / λmax at the optimum"], color=colour, linestyle="--")
left.set(ylabel="excess training loss L − L*", title="Training rows: distance from the optimum")
right.set(ylabel="validation loss (binary cross-entropy)", title="Validation rows: choose here")
for ax in (left, right):
    ax.set(xscale="log", yscale="log", xlabel="learning rate η")
    ax.grid(alpha=0.3, which="both")
left.plot([], [], color="0.3", linestyle=":", label="2/λmax at w = 0")
left.plot([], [], color="0.3", linestyle="--", label="2/λmax at the optimum")
left.legend(loc="upper center", fontsize="small")
figure.suptitle(
    f"After {EPOCHS} epochs of SGD, batches of {BATCH_SIZE}: mean ± one standard error over "
    f"{SEEDS} seeds",
    fontsize="medium",
)
plt.show()

# %% [markdown]
# [Explore this](explorer.md#optimizer=sgd&batch_size=16&view=ucurve)

# %% tags=["remove-input"]
for name in SCALINGS:
    excess = stable.loc[name, "excess"]
    best = excess.idxmin()
    assert excess.index[0] < best < excess.index[-1], f"{name}: the best rate is inside the grid"
    assert excess.loc[:best].is_monotonic_decreasing, f"{name}: below the best, larger is better"
assert tuned["standardised"] / tuned["raw"] >= 5, "standardised features take much larger steps"
assert (by_rate["excess"] > 0).all(), "no run ends below the optimum"
assert (by_rate["diverged"] == 0).all(), "no run diverged, at any rate"
worst = by_rate["excess"].idxmax()
assert by_rate.loc[worst, "excess"] > 1, "yet the largest rates fail"

# %% tags=["hide-input"]
best_excess = stable["excess"].groupby(level="features").min()
closest = stable["excess"].groupby(level="features").idxmin().map(lambda key: key[1])
Markdown(
    "Both curves have the U shape of every learning-rate sweep. Up to a point, a larger rate "
    "ends closer to the optimum, because a small rate is not *wrong*, it is slow: in "
    f"{EPOCHS} epochs its steps do not get far. Beyond that point the runs get worse again, "
    "fast. The two feature scalings have the same shape, "
    "shifted: the rate with the lowest validation loss is "
    f"**η = {tuned['standardised']:g}** on standardised features and "
    f"**η = {tuned['raw']:g}** on raw ones, and the lowest mean excess loss of the grid is "
    f"{best_excess['standardised']:.4f} and {best_excess['raw']:.4f}, at η = "
    f"{closest['standardised']:g} and η = {closest['raw']:g}. None of the course's "
    f"rates (up to {max(COURSE_RATES)}) is the tuned rate for standardised features. No "
    f"run diverged: the worst, {worst[0]} features at η = {worst[1]:g}, end "
    f"{by_rate.loc[worst, 'excess']:.2f} above $L^*$ on average, failed but finite (the "
    "full-batch control below shows why no run can diverge here). The dotted and dashed "
    "lines are two curvature limits, explained below."
)

# %% [markdown]
# The validation loss picks a larger rate than the one that ends closest to $L^*$ on the
# training rows. The reason is in the validation rows themselves: the optimum's weights
# separate them almost perfectly, so *scaling those weights up*, which makes every
# prediction more confident, lowers the validation loss while it raises the training loss.
# `bgd.logistic_loss` measures both at multiples of the optimum's weights:

# %%
opt, split = optima["standardised"], data["standardised"]
confidence = pd.DataFrame(
    {
        "training loss": {
            scale: bgd.logistic_loss(
                scale * opt.weights, scale * opt.bias, split.X_train, split.y_train
            )
            for scale in (0.5, 1, 2, 4)
        },
        "validation loss": {
            scale: bgd.logistic_loss(
                scale * opt.weights, scale * opt.bias, split.X_val, split.y_val
            )
            for scale in (0.5, 1, 2, 4)
        },
    }
)
confidence.index.name = "weights: multiple of the optimum's"
confidence.round(4)

# %% tags=["remove-input"]
assert confidence["training loss"].idxmin() == 1, "the optimum minimises the training loss"
assert confidence["validation loss"].is_monotonic_decreasing, "confidence pays on validation"
assert (tuned > closest).all(), "so validation picks larger rates"

# %% [markdown]
# Larger rates move the weights further in the same number of updates. The sweep keeps only
# losses, so we run its standardised runs again with `bgd.minibatch_descent`, the same
# descent (each seed's initial weights and batch order) in NumPy, which can also record the
# weights, and take the length of $(w, b)$ after the last epoch, up to the tuned rate:

# %%
shown = [rate for rate in RATES if rate <= tuned["standardised"]]
path = bgd.minibatch_descent(
    split,
    learning_rate=shown,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    seed=list(range(SEEDS)),
    track_weights=True,
)
last = path[path["step"] == path["step"].max()]
weight_columns = [f"w_{feature}" for feature in split.feature_names] + ["b"]
lengths_by_run = last.assign(length=np.linalg.norm(last[weight_columns], axis=1))
replayed = last.pivot_table(index="learning_rate", columns="seed", values="loss")
weight_norm = pd.DataFrame(
    {
        "final length of (w, b): mean over seeds": lengths_by_run.groupby("learning_rate")[
            "length"
        ].mean(),
        "validation loss (sweep)": by_rate.loc["standardised", "validation"].reindex(shown),
        "excess loss (sweep)": by_rate.loc["standardised", "excess"].reindex(shown),
    },
    index=pd.Index(shown, name="learning rate (standardised)"),
)
weight_norm.round(4)

# %% tags=["remove-input"]
swept = final_train[final_train["standardize"]].pivot_table(
    index="learning_rate", columns="seed", values="value"
)
assert np.allclose(replayed, swept.loc[shown], atol=1e-4), "the same runs as the sweep's"
lengths = weight_norm["final length of (w, b): mean over seeds"]
assert lengths.is_monotonic_increasing, "the larger the rate, the longer the weights"
optimum_length = np.linalg.norm(np.append(opt.weights, opt.bias))
assert lengths.max() < optimum_length, "in 10 epochs no run reaches the optimum's length"
best_std, tuned_std = closest["standardised"], tuned["standardised"]
assert lengths[tuned_std] > 1.5 * lengths[best_std], "the tuned rate's weights are longer"

# %% tags=["hide-input"]
Markdown(
    "Four times the optimum's weights have a validation loss of "
    f"{confidence.loc[4, 'validation loss']:.4f}, against "
    f"{confidence.loc[1, 'validation loss']:.4f} at the optimum. The larger the rate, the "
    f"longer the weights after {EPOCHS} epochs: {lengths[best_std]:.1f} at η = "
    f"{best_std:g}, the rate closest to $L^*$, and {lengths[tuned_std]:.1f} at the tuned "
    f"η = {tuned_std:g} (the optimum's: {optimum_length:.1f}). The longer weights give the "
    f"lower validation loss ({weight_norm.loc[tuned_std, 'validation loss (sweep)']:.4f} "
    f"against {weight_norm.loc[best_std, 'validation loss (sweep)']:.4f}) and the higher "
    f"excess training loss ({weight_norm.loc[tuned_std, 'excess loss (sweep)']:.4f} against "
    f"{weight_norm.loc[best_std, 'excess loss (sweep)']:.4f}): on these {len(split.X_val)} "
    "rows the validation loss rewards large weights beyond what the training loss does. "
    "This is the honest result of choosing on validation rows (a different carve-out "
    f"could behave differently). The report below trains η = {best_std:g} on the fresh "
    "seeds too, to measure what the choice costs."
)

# %% [markdown]
# ## Report on fresh seeds, with paired differences
#
# The tuned rates were chosen on seeds 0 to `SEEDS` − 1, so on those seeds their validation
# loss is flattered: among all the rates of the grid, the one that looks best is partly the
# one whose seeds were lucky. We train again with the fresh seeds of `REPORT_SEEDS` and
# compare with the tuned rate there the course's rates and the rate that ended closest to
# $L^*$ on the selection seeds.
#
# `bgd.compare` pairs the runs by seed: for each seed it takes the difference between a
# rate's final training loss and the tuned rate's (the $L^*$ cancels, so this is also the
# difference in excess loss). The table gives each rate's mean excess loss, then the mean
# of the paired differences from the tuned rate, its standard error (the standard deviation
# of the paired differences over $\sqrt{n}$) and a paired-bootstrap 95 % interval of that
# mean (the seeds resampled, the pairs kept together).

# %%
report = pd.concat(
    [
        bgd.sweep(
            {"learning_rate": sorted({*COURSE_RATES, tuned_std, best_std})},
            seeds=REPORT_SEEDS,
            epochs=EPOCHS,
            optimizer="sgd",
            batch_size=BATCH_SIZE,
            validation_size=VALIDATION_SIZE,
            standardize=True,
        ),
        bgd.sweep(
            {"learning_rate": sorted({tuned["raw"], closest["raw"]})},
            seeds=REPORT_SEEDS,
            epochs=EPOCHS,
            optimizer="sgd",
            batch_size=BATCH_SIZE,
            validation_size=VALIDATION_SIZE,
            standardize=False,
        ),
    ],
    ignore_index=True,
)
report_standardised = report[report["standardize"]]
differences = bgd.compare(
    bgd.excess_loss(report_standardised, L_STAR),
    by="learning_rate",
    baseline=tuned["standardised"],
).set_index("learning_rate")
fresh = bgd.final_values(report_standardised, split="train", metric="loss")
fresh_excess = fresh.assign(value=fresh["value"] - L_STAR).groupby("learning_rate")["value"]
compared = pd.DataFrame(
    {
        "excess loss: mean": fresh_excess.mean(),
        "sd over seeds": fresh_excess.std(),
        f"minus η = {tuned['standardised']:g}: mean": differences["difference"],
        "standard error": differences["difference_se"],
        "95 % interval: low": differences["difference_low"],
        "high": differences["difference_high"],
    }
)
compared.round(4)

# %%
test_accuracy = bgd.final_values(report_standardised, split="test", metric="accuracy")
chosen_accuracy = test_accuracy.loc[
    test_accuracy["learning_rate"] == tuned["standardised"], "value"
]
n_test = len(data["standardised"].X_test)
binomial_se = np.sqrt(chosen_accuracy.mean() * (1 - chosen_accuracy.mean()) / n_test)
on_selection_seeds = by_rate.loc[("standardised", tuned_std), ["excess", "excess_se"]]
per_seed = fresh.pivot_table(index="seed", columns="learning_rate", values="value")

# %% tags=["remove-input"]
slow_rates = [rate for rate in COURSE_RATES if rate < max(COURSE_RATES)]
slow = differences.loc[slow_rates]
assert (slow["difference"] > 2 * slow["difference_se"]).all(), "the slow rates are far behind"
assert (slow["difference_low"] > 0).all(), "and their bootstrap intervals exclude 0"
largest_course = max(COURSE_RATES)
close = differences.loc[largest_course]
assert close["difference_high"] < slow["difference_low"].min(), (
    "0.5 ends far closer to the tuned rate than the slower rates, intervals apart"
)
spread = compared["sd over seeds"]
assert spread[tuned["standardised"]] > 10 * spread[largest_course], "the tuned rate is riskier"
assert close["difference"] > 0, "the tuned rate is ahead of 0.5 on average"
tuned_ahead = int((per_seed[tuned_std] < per_seed[largest_course]).sum())
assert 0 < tuned_ahead < len(REPORT_SEEDS), "ahead on some seeds, behind on others"
cost = differences.loc[best_std]
assert cost["difference"] < 0, "the rate closest to L* on the selection seeds is ahead here too"
assert spread[best_std] < spread[tuned_std] / 5, "and far steadier"

# %% tags=["hide-input"]
tuned_fresh = compared.loc[tuned_std, "excess loss: mean"]
tuned_fresh_se = fresh_excess.sem()[tuned_std]
shift = tuned_fresh - on_selection_seeds["excess"]
shift_in_se = abs(shift) / np.hypot(tuned_fresh_se, on_selection_seeds["excess_se"])


def significance(row: pd.Series) -> str:
    """Whether the 95 % interval of a paired difference excludes 0."""
    if row["difference_low"] > 0 or row["difference_high"] < 0:
        return "an interval that excludes 0"
    return "an interval that includes 0"


Markdown(
    f"On the fresh seeds the tuned rate η = {tuned_std:g} ends **{tuned_fresh:.4f}** ± "
    f"{tuned_fresh_se:.4f} above $L^*$ (mean ± standard error), against "
    f"{on_selection_seeds['excess']:.4f} ± {on_selection_seeds['excess_se']:.4f} on the "
    f"seeds that chose it: {'higher' if shift > 0 else 'lower'} by {abs(shift):.4f}, "
    f"{shift_in_se:.1f} standard errors of the difference"
    + (
        ", which two sets of ten seeds cannot tell from chance"
        if shift_in_se < 2
        else ", more than chance between two sets of ten seeds explains"
    )
    + ". The rate was chosen on its validation loss, not on this training excess, so the "
    "selection flatters the excess only indirectly; what the fresh seeds do show is that "
    "at a rate this large the result varies from seed to seed, which is why the report "
    "uses seeds that played no part in the choice.\n\n"
    f"What the choice costs: η = {best_std:g}, the rate that ended closest to $L^*$ on "
    f"the selection seeds, ends **{compared.loc[best_std, 'excess loss: mean']:.4f}** "
    f"above $L^*$ on the fresh seeds (standard deviation {spread[best_std]:.4f} over the "
    f"seeds, against {spread[tuned_std]:.4f} for η = {tuned_std:g}), ahead of the tuned "
    f"rate by {-cost['difference']:.4f} ± {cost['difference_se']:.4f} (paired mean ± "
    f"standard error), with {significance(cost)} (the paired difference "
    f"{best_std:g} − {tuned_std:g} from {cost['difference_low']:+.4f} to "
    f"{cost['difference_high']:+.4f}). The course's rates "
    + ", ".join(f"{rate:g}" for rate in slow_rates)
    + " end behind the tuned rate by more than two standard errors (Keras's default 0.01 by "
    f"{differences.loc[min(COURSE_RATES), 'difference']:.3f} ± "
    f"{differences.loc[min(COURSE_RATES), 'difference_se']:.3f}). The course's largest "
    f"rate, {largest_course}, ends {compared.loc[largest_course, 'excess loss: mean']:.4f} "
    f"above $L^*$, behind by {close['difference']:.4f} ± {close['difference_se']:.4f} "
    f"with a 95 % paired-bootstrap interval from {close['difference_low']:.4f} to "
    f"{close['difference_high']:.4f}"
    + (
        f": on {len(REPORT_SEEDS)} seeds it **cannot be told apart** from the tuned rate"
        if close["difference_low"] < 0
        else f", close to the tuned rate next to the slower rates (η = {max(slow_rates):g}: "
        f"at least {slow['difference_low'].min():.4f})"
    )
    + ". And it is far steadier: its final loss varies over the "
    f"seeds with a standard deviation of {spread[largest_course]:.4f}, the tuned rate's "
    f"with {spread[tuned['standardised']]:.4f}. The tuned rate, at the large-rate edge of "
    f"the U curve, is ahead of {largest_course} on average, "
    + ("significantly" if close["difference_low"] > 0 else "not significantly")
    + f", and on {tuned_ahead} of the {len(REPORT_SEEDS)} seeds.\n\n"
    f"The tuned rate's test accuracy, measured once, here: "
    f"**{100 * chosen_accuracy.mean():.1f} %** (mean over the {len(REPORT_SEEDS)} fresh "
    f"seeds; single runs range from {100 * chosen_accuracy.min():.1f} % to "
    f"{100 * chosen_accuracy.max():.1f} %). With {n_test} test notes, one run's accuracy "
    f"has a binomial standard error of about {100 * binomial_se:.1f} percentage points "
    f"({binomial_se * n_test:.0f} notes), so test accuracies closer than that say little "
    "about which rate is better; the optimum itself scores "
    f"{100 * optima['standardised'].test_accuracy:.1f} %."
)

# %% [markdown]
# ## What limits the step: curvature
#
# On a bowl of curvature $\lambda$ ([lesson 4](04_gradient_descent_by_hand.py)), a gradient
# step with $\eta < 1/\lambda$ moves towards the minimum without reaching it; with
# $1/\lambda < \eta < 2/\lambda$ it *overshoots*, landing on the far side, but lower than it
# started; with $\eta > 2/\lambda$ it lands higher. For a loss that is not a bowl, the
# curvature is the Hessian $H(w)$, and its largest eigenvalue $\lambda_{\max}(H(w))$ plays
# the role of $\lambda$ near $w$.
#
# For logistic regression $H(w) = \frac1n \sum_i p_i (1 - p_i)\, \tilde x_i \tilde x_i^\top$
# (with $\tilde x_i = (x_i, 1)$ and $p_i$ the predicted probability). Since
# $p(1-p) \le \frac14$, with equality at $w = 0$ where every $p_i = \frac12$, the Hessian at
# $w = 0$ is the largest it can be anywhere: a full-batch step with
# $\eta < 2/\lambda_{\max}(H(0))$ **cannot increase the loss**, from any weights. That is a
# worst-case bound, exact only at $w = 0$. Near the optimum most notes are classified with
# confidence, $p_i(1 - p_i)$ is close to 0, and the curvature is far smaller.
# `bgd.hessian_eigenvalues` gives the exact eigenvalues at any weights, and `bgd.optimum`
# those at the optimum:

# %%
curvature.round(3)

# %% tags=["remove-input"]
for name in SCALINGS:
    row = curvature.loc[name]
    assert row["2 / λmax at the optimum"] > 10 * row["2 / λmax at w = 0"], (
        f"{name}: the curvature at the optimum is far below the worst case"
    )
step_ratio = curvature.loc["raw", "λmax at w = 0"] / curvature.loc["standardised", "λmax at w = 0"]
raw_spread = data["raw"].X_train.std(axis=0)
assert raw_spread.max() > 3, "the raw features spread over several units"
assert 10 < step_ratio < 50, "the raw features' curvature is tens of times larger"
assert tuned["standardised"] > curvature.loc["standardised", "2 / λmax at w = 0"], (
    "the tuned standardised rate is above the worst-case bound"
)
assert tuned["raw"] > curvature.loc["raw", "2 / λmax at w = 0"], "and so is the raw one"
lopsided = curvature["λmax / λmin at w = 0"]
assert lopsided["raw"] > 5 * lopsided["standardised"], "raw curvature is far more lopsided"

# %% tags=["hide-input"]
Markdown(
    "On standardised features the worst-case bound is "
    f"**{curvature.loc['standardised', '2 / λmax at w = 0']:.2f}**, on raw features "
    f"**{curvature.loc['raw', '2 / λmax at w = 0']:.2f}**: the raw features' largest "
    f"curvature is **{step_ratio:.0f} times** larger, because their spread is larger "
    f"(standard deviations from {raw_spread.min():.1f} to {raw_spread.max():.1f}, against 1 "
    "after standardising). The same "
    f"η is therefore a {step_ratio:.0f} times larger step on raw features, in the steepest "
    "direction. At the optimum the limits are "
    f"**{curvature.loc['standardised', '2 / λmax at the optimum']:.0f}** and "
    f"**{curvature.loc['raw', '2 / λmax at the optimum']:.2f}**. Both tuned rates, "
    f"{tuned['standardised']:g} and {tuned['raw']:g}, are above the worst-case bound, as "
    "are many of the rates later lessons train with on standardised features: the bound "
    "at $w = 0$ says where a step is *guaranteed* not to raise the loss, not where "
    "training breaks."
)

# %% [markdown]
# ## Curvature or noise? A full-batch control
#
# On raw features, the mini-batch runs at the course's η = 0.5 do not fall smoothly: the loss at the
# end of an epoch is often higher than at the end of the one before. Is that the curvature, with 0.5
# above the worst-case bound computed above? Full-batch gradient descent answers it: it follows the
# same gradient without the sampling noise of a mini-batch. `bgd.full_batch_descent` runs it in
# NumPy, from the same initial weights as the mini-batch run of a seed (`seed=`), for the same
# number of updates, and records the loss after every update. Below, for the rates
# `CONTROL_RATES`: how many seeds' full-batch loss ever rose above its start and the highest
# loss reached, then the loss at the end of each epoch's worth of updates, as for the
# mini-batch runs:

# %%
raw_runs = selection[~selection["standardize"] & selection["learning_rate"].isin(CONTROL_RATES)]
raw_train = raw_runs[(raw_runs["split"] == "train") & (raw_runs["metric"] == "loss")]
updates_per_epoch = int(raw_train["step"].min())
control = pd.concat(
    [
        bgd.full_batch_descent(
            data["raw"], learning_rate=CONTROL_RATES, steps=EPOCHS * updates_per_epoch, seed=seed
        ).assign(seed=seed)
        for seed in range(SEEDS)
    ],
    ignore_index=True,
)
epoch_ends = control[(control["step"] > 0) & (control["step"] % updates_per_epoch == 0)]
epoch_ends = epoch_ends.assign(epoch=epoch_ends["step"] // updates_per_epoch)


def rising_share(frame: pd.DataFrame, value: str) -> pd.Series:
    """Per learning rate: the share of epoch-to-epoch changes in which the loss went up."""
    ordered = frame.sort_values(["learning_rate", "seed", "epoch"])
    change = ordered.groupby(["learning_rate", "seed"])[value].diff()
    return (change > 0).groupby(ordered["learning_rate"]).sum() / change.notna().groupby(
        ordered["learning_rate"]
    ).sum()


def overshoot(paths: pd.DataFrame) -> pd.DataFrame:
    """Per rate and seed, from the loss after every update: start, peak and the rises."""
    rows = {}
    for key, run in paths.groupby(["learning_rate", "seed"]):
        loss = run.sort_values("step")["loss"].to_numpy()
        rises = np.flatnonzero(np.diff(loss) > 0) + 1  # updates after which the loss is higher
        rows[key] = {
            "start": loss[0],
            "peak": loss.max(),
            "peak at update": loss.argmax(),
            "updates with a rising loss": len(rises),
            "last rising update": rises.max() if len(rises) else 0,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["learning_rate", "seed"])


raw_overshoot = overshoot(control)
noise_or_curvature = pd.DataFrame(
    {
        "full batch: seeds whose loss rose above its start": (
            raw_overshoot["peak"] > raw_overshoot["start"]
        )
        .groupby(level="learning_rate")
        .sum(),
        "full batch: highest loss": raw_overshoot["peak"].groupby(level="learning_rate").max(),
        "full batch: epochs with a rising loss": rising_share(epoch_ends, "loss"),
        "mini-batch: epochs with a rising loss": rising_share(raw_train, "value"),
        "full batch: final excess loss": epoch_ends[epoch_ends["epoch"] == EPOCHS]
        .groupby("learning_rate")["loss"]
        .mean()
        - L_STAR,
        "mini-batch: final excess loss": raw_train[raw_train["epoch"] == EPOCHS]
        .groupby("learning_rate")["value"]
        .mean()
        - L_STAR,
        "mini-batch: sd of final loss over seeds": raw_train[raw_train["epoch"] == EPOCHS]
        .groupby("learning_rate")["value"]
        .std(),
    }
)
noise_or_curvature.index.name = "learning rate (raw features)"
noise_or_curvature.round(4)

# %%
palette = sns.color_palette("colorblind", len(CONTROL_RATES))
figure, axes = plt.subplots(
    1, len(CONTROL_RATES), figsize=(10, 3.8), sharey=True, layout="constrained"
)
for ax, rate, colour in zip(axes, CONTROL_RATES, palette):
    for seed in range(SEEDS):
        run = raw_train[(raw_train["learning_rate"] == rate) & (raw_train["seed"] == seed)]
        ax.plot(
            run["step"], run["value"] - L_STAR, color=colour, alpha=0.6, linewidth=1, marker="."
        )
        path = control[(control["learning_rate"] == rate) & (control["seed"] == seed)]
        ax.plot(path["step"], path["loss"] - L_STAR, color="0.15", linewidth=1)
    ax.set(yscale="log", xlabel="updates", title=f"raw features, η = {rate:g}")
    ax.grid(alpha=0.3, which="both")
axes[0].set_ylabel("excess training loss L − L*")
axes[0].plot([], [], color="0.15", label="full batch (no noise)")
axes[0].plot([], [], color="0.5", marker=".", label=f"mini-batches of {BATCH_SIZE}, epoch ends")
axes[0].legend(loc="lower left", fontsize="small")
figure.suptitle(
    f"Same starts (seeds 0 to {SEEDS - 1}), same number of updates: one line per seed",
    fontsize="medium",
)
plt.show()

# %% [markdown]
# [Explore this](explorer.md#learning_rate=0.5&batch_size=16&standardize=false&view=curves)

# %% tags=["remove-input"]
full_rising = noise_or_curvature["full batch: epochs with a rising loss"]
mini_rising = noise_or_curvature["mini-batch: epochs with a rising loss"]
assert full_rising.loc[0.5] == 0 and full_rising.loc[2.0] == 0, (
    "full-batch descent on raw features falls at every epoch end, even at 0.5 and 2"
)
assert mini_rising.loc[0.5] > 0.1, "the mini-batch runs at 0.5 rise in many epochs"
assert mini_rising.loc[2.0] > 0.1, "and at 2"
assert mini_rising.loc[0.1] < 0.05, "while at 0.1, far below the noise, they hardly ever rise"
full_final = noise_or_curvature["full batch: final excess loss"]
mini_final = noise_or_curvature["mini-batch: final excess loss"]
assert full_final.loc[2.0] < full_final.loc[0.5], "without noise, 2 ends closer than 0.5"
assert mini_final.loc[2.0] > mini_final.loc[0.5], "with noise, 2 ends further than 0.5"
raw_bound = curvature.loc["raw", "2 / λmax at w = 0"]
assert 0.1 < raw_bound < 0.5, "0.1 is below the worst-case bound, 0.5 and 2 above it"
assert raw_overshoot.loc[0.1, "updates with a rising loss"].sum() == 0, "below it: no rise"
at_half = raw_overshoot.loc[0.5]
assert (at_half["peak at update"] == 0).all(), "at 0.5 the loss never rises above its start"
at_two = raw_overshoot.loc[2.0]
overshot = at_two[at_two["peak"] > at_two["start"]]
assert len(overshot) > SEEDS / 2, "at 2 the full-batch loss rises above its start in most seeds"
assert overshot["peak at update"].max() <= 5, "in its first few updates"
assert (overshot["peak"] > 1.5 * overshot["start"]).all(), "well above where it started"
assert at_two["last rising update"].max() < EPOCHS * updates_per_epoch / 2, "then it falls"

# Bounded gradients: one row's gradient is (p - y) x̃ with |p - y| < 1, so no gradient is
# longer than the longest row x̃ = (x, 1); the weights grow at most linearly, and the loss,
# at most log 2 + |x̃| |θ| per row, too.
longest_row = {
    name: np.linalg.norm(np.column_stack([part.X_train, np.ones(len(part.X_train))]), axis=1).max()
    for name, part in data.items()
}
start_length = {
    seed: np.linalg.norm(np.append(*bgd.initial_weights(seed))) for seed in range(SEEDS)
}


def loss_bound(frame: pd.DataFrame, name: str) -> pd.Series:
    """The largest loss that `step` updates at `learning_rate` could reach from a seed's start."""
    g = longest_row[name]
    return np.log(2) + g * (
        frame["seed"].map(start_length) + frame["step"] * frame["learning_rate"] * g
    )


assert (control["loss"] <= loss_bound(control, "raw")).all()
for name, flag in SCALINGS.items():
    runs = final_train[final_train["standardize"] == flag].assign(step=EPOCHS * updates_per_epoch)
    assert (runs["value"] <= loss_bound(runs, name)).all(), f"{name}: the sweep obeys the bound"

# %% tags=["hide-input"]
Markdown(
    "The control settles it. From one epoch end to the next, full-batch descent at both "
    "η = 0.5 and η = 2 ends *every* epoch lower than the one before, for every start; the "
    f"mini-batch runs at 0.5 rise in **{100 * mini_rising.loc[0.5]:.0f} %** of the "
    f"epoch-to-epoch changes, and at 2 in **{100 * mini_rising.loc[2.0]:.0f} %**. Without "
    f"noise the larger rate is better (excess {full_final.loc[2.0]:.4f} at 2 against "
    f"{full_final.loc[0.5]:.4f} at 0.5); with batches of {BATCH_SIZE} it is worse "
    f"({mini_final.loc[2.0]:.4f} against {mini_final.loc[0.5]:.4f}). So the "
    "epoch-to-epoch wobble is **mini-batch noise, not curvature**: each update follows the "
    f"gradient of {BATCH_SIZE} notes, which points partly the wrong way, and the larger η "
    "is, the further each wrong step goes.\n\n"
    "Curvature shows itself earlier, between the epoch ends: the black lines of the "
    f"figure record every update. At η = 2, {2 / raw_bound:.0f} times the worst-case bound "
    f"of {raw_bound:.2f}, the full-batch loss **rises** above its start in "
    f"**{len(overshot)} of the {SEEDS} seeds**, from {overshot['start'].min():.1f}–"
    f"{overshot['start'].max():.1f} to a peak of {overshot['peak'].min():.1f}–"
    f"{overshot['peak'].max():.1f} within the first {overshot['peak at update'].max()} "
    "updates: the overshoot that a rate above $2/\\lambda_{\\max}$ at $w = 0$ allows. Then "
    "it falls (the last rise of any seed comes at update "
    f"{at_two['last rising update'].max()} of {EPOCHS * updates_per_epoch}). At 0.5 the "
    f"loss rises after only {at_half['updates with a rising loss'].sum()} of its "
    f"{SEEDS * EPOCHS * updates_per_epoch} updates and never above its start; at 0.1, "
    "below the bound, never.\n\n"
    "None of this can diverge. One row's gradient is $(p - y)\\,\\tilde x$ with "
    "$|p - y| < 1$, so no gradient, of the full batch or of a mini-batch, is longer than "
    f"the longest row $\\tilde x = (x, 1)$ ({longest_row['raw']:.1f} on raw features, "
    f"{longest_row['standardised']:.1f} standardised). Each update moves the weights by at "
    "most η times that, and the loss of a row is at most $\\log 2 + |\\theta|\\,|\\tilde x|$: "
    "it can grow at most linearly with the number of updates, never become infinite in "
    "a run of ten epochs (every loss of the sweep and of the control is below that "
    f"bound). This is why {worst[0]} features at η = {worst[1]:g} fail, "
    f"{by_rate.loc[worst, 'excess']:.2f} above $L^*$, without diverging. Near the optimum "
    "curvature sets the limit for *settling*: full-batch descent can settle there only "
    f"with η below {curvature.loc['raw', '2 / λmax at the optimum']:.2f}."
)

# %% [markdown]
# ## The same on standardised features, and the rates of later lessons
#
# Later lessons train on standardised features with rates far above the worst-case bound.
# The same control on standardised features, at rates from below that bound to 100:

# %%
STANDARDISED_CONTROL = [2.0, 5.0, 20.0, 100.0]
standardised_control = pd.concat(
    [
        bgd.full_batch_descent(
            data["standardised"],
            learning_rate=STANDARDISED_CONTROL,
            steps=EPOCHS * updates_per_epoch,
            seed=seed,
        ).assign(seed=seed)
        for seed in range(SEEDS)
    ],
    ignore_index=True,
)
last = standardised_control[standardised_control["step"] == EPOCHS * updates_per_epoch]
reconcile = pd.DataFrame(
    {
        "full batch: final excess loss": last.groupby("learning_rate")["loss"].mean() - L_STAR,
        "full batch: diverged": standardised_control.groupby("learning_rate")["diverged"].any(),
        f"mini-batches of {BATCH_SIZE}: final excess loss": by_rate.loc[
            "standardised", "excess"
        ].reindex(STANDARDISED_CONTROL),
    }
)
reconcile.index.name = "learning rate (standardised)"
reconcile.round(4)

# %% tags=["remove-input"]
assert not reconcile["full batch: diverged"].any(), "no full-batch run diverges, even at 100"
full_std = reconcile["full batch: final excess loss"]
assert full_std.loc[100.0] < full_std.loc[2.0], "100 ends closer to L* than 2, without noise"
mini_std = reconcile[f"mini-batches of {BATCH_SIZE}: final excess loss"]
assert mini_std.loc[100.0] > 5 * mini_std.min(), "with noise, 100 is far worse"
assert (standardised_control["loss"] <= loss_bound(standardised_control, "standardised")).all()
at_hundred = overshoot(standardised_control).loc[100.0]
jumped = at_hundred[at_hundred["peak"] > at_hundred["start"]]
assert len(jumped) > SEEDS / 2, "at 100 the full-batch loss first rises, in most seeds"
assert jumped["peak at update"].max() <= 5, "in its first few updates"
first_updates = standardised_control.query("learning_rate == 100 and seed == 0")["loss"]

# %% tags=["hide-input"]
Markdown(
    f"Without noise, η = 100 ({100 / curvature.loc['standardised', '2 / λmax at w = 0']:.0f} "
    "times the worst-case bound) ends "
    f"**{full_std.loc[100.0]:.5f}** above $L^*$, closer than η = 2 "
    f"({full_std.loc[2.0]:.4f}), which is below the bound. It gets there after an "
    "overshoot, as on raw features: its loss rises above its start in "
    f"{len(jumped)} of the {SEEDS} seeds, to as much as {jumped['peak'].max():.1f} within "
    f"{jumped['peak at update'].max()} updates (seed 0: from "
    f"{first_updates.iloc[0]:.2f} to {first_updates.iloc[1]:.1f} in the first update). "
    "The loss of logistic regression "
    "is not a bowl: a step that overshoots lands where the notes are classified with more "
    "confidence, where the curvature is smaller, and the rate limit that matters is the "
    "one near the optimum, "
    f"{curvature.loc['standardised', '2 / λmax at the optimum']:.0f}. With mini-batches of "
    f"{BATCH_SIZE} the same η = 100 ends {mini_std.loc[100.0]:.3f} above $L^*$: what limits "
    "the rate in practice is the noise of the batches, and how much of it a rate can "
    "average out, which is the subject of [lesson 6](06_batch_size.py)."
)

# %% [markdown]
# ## Raw or standardised features, compared fairly
#
# Comparing the two feature scalings at the same η compares steps of very different sizes:
# the same η is a step many times larger on raw features (the ratio of the curvatures
# above). The fair comparison puts each at its own tuned rate, and, as a check, at its own
# rate that ended closest to $L^*$ on the selection seeds. On the fresh seeds, and paired by
# seed (both scalings start from the same initial weights and visit the notes in the same
# order):


# %%
def by_scaling(rates: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Raw against standardised features on the fresh seeds, each at its rate in `rates`."""
    own_rate = report["standardize"].map({True: rates["standardised"], False: rates["raw"]})
    runs = report[report["learning_rate"] == own_rate]
    result = bgd.compare(
        bgd.excess_loss(runs, L_STAR), by="standardize", baseline=True, vary="learning_rate"
    ).iloc[0]
    table = pd.DataFrame(
        {
            "learning rate": [rates["standardised"], rates["raw"], None],
            "excess loss, mean over fresh seeds": [
                result["baseline_mean"],
                result["mean"],
                result["difference"],
            ],
            "standard error": [result["baseline_se"], result["mean_se"], result["difference_se"]],
            "95 % bootstrap interval": [
                f"{result[f'{side}_low']:.4f} to {result[f'{side}_high']:.4f}"
                for side in ("baseline", "mean", "difference")
            ],
        },
        index=["standardised", "raw", "raw − standardised (paired)"],
    )
    return result, table


fair, fair_rows = by_scaling(tuned)
fair_closest, closest_rows = by_scaling(closest)
fair_table = pd.concat(
    {"tuned (validation loss)": fair_rows, "closest to L* (selection seeds)": closest_rows}
)
fair_table.round(4)

# %% tags=["remove-input"]
same_rate = by_rate.loc[(slice(None), max(COURSE_RATES)), "excess"].droplevel("learning_rate")
assert same_rate["standardised"] > 2 * same_rate["raw"], "at the same η, raw looks far better"
fair_bound = max(abs(fair["difference_low"]), abs(fair["difference_high"]))
default_gap = abs(
    by_rate.loc[("standardised", min(COURSE_RATES)), "excess"]
    - by_rate.loc[("raw", min(COURSE_RATES)), "excess"]
)
assert fair_bound < default_gap / 5, "tuned, the scalings end far closer than at the default η"
rate_ratio = tuned["standardised"] / tuned["raw"]
closest_ratio = closest["standardised"] / closest["raw"]
for ratio in (rate_ratio, closest_ratio):
    assert step_ratio / 3 < ratio < 3 * step_ratio, "the rates differ like the curvatures"


def excludes_zero(result: pd.Series) -> bool:
    """Whether the 95 % interval of a paired difference lies on one side of 0."""
    return result["difference_low"] > 0 or result["difference_high"] < 0


def verdict(result: pd.Series, rates: pd.Series) -> str:
    """What the interval of raw − standardised at `rates` says, in words."""
    if not excludes_zero(result):
        return f"which includes zero: {int(result['n_seeds'])} seeds cannot tell the two apart"
    better, worse = ("raw", "standardised") if result["difference"] < 0 else ("standardised", "raw")
    return (
        f"which excludes zero: on these seeds {better} features at η = {rates[better]:g} end "
        f"closer to $L^*$ than {worse} ones at η = {rates[worse]:g}"
    )


likely_reason = excludes_zero(fair) and not excludes_zero(fair_closest)

# %% tags=["hide-input"]
Markdown(
    f"At the same η = {max(COURSE_RATES)}, raw features end "
    f"{same_rate['standardised'] / same_rate['raw']:.1f} times closer to $L^*$ than "
    f"standardised ones ({same_rate['raw']:.4f} against {same_rate['standardised']:.4f}, "
    "selection seeds): a comparison of step sizes, not of feature scalings. At their own "
    f"tuned rates, raw features end {fair['mean']:.4f} and standardised features "
    f"{fair['baseline_mean']:.4f} above $L^*$: a paired difference (raw − standardised) of "
    f"{fair['difference']:+.4f} ± {fair['difference_se']:.4f} (mean ± standard error over "
    f"{int(fair['n_seeds'])} fresh seeds), with a 95 % paired-bootstrap interval from "
    f"{fair['difference_low']:+.4f} to {fair['difference_high']:+.4f}, "
    f"{verdict(fair, tuned)}. Even the far end of that interval, {fair_bound:.3f}, is small "
    f"next to the {default_gap:.3f} by which the two scalings end apart at Keras's default "
    f"η = {min(COURSE_RATES)} (selection seeds): tuned, the scaling matters far less. At "
    f"the rates that ended closest to $L^*$ on the selection seeds, η = "
    f"{closest['standardised']:g} and η = {closest['raw']:g}, the difference is "
    f"{fair_closest['difference']:+.4f} ± {fair_closest['difference_se']:.4f} (interval "
    f"{fair_closest['difference_low']:+.4f} to {fair_closest['difference_high']:+.4f}), "
    f"{verdict(fair_closest, closest)}"
    + (
        f". The gap at the tuned rates therefore likely comes from the choice of η = "
        f"{tuned['standardised']:g}, whose confident weights the validation loss rewarded, "
        "rather than from the scaling"
        if likely_reason
        else ""
    )
    + f". The tuned rates differ by a factor of {rate_ratio:.0f} and the rates closest to "
    f"$L^*$ by a factor of {closest_ratio:.0f}, on a grid whose steps are factors of 2 to "
    f"2.5, against the factor {step_ratio:.0f} of the curvatures: the same order of "
    "magnitude. For plain SGD on this model, standardising mostly *rescales* the "
    "learning rate. What it buys is a curvature far less lopsided between directions "
    f"(largest over smallest eigenvalue at $w = 0$: {lopsided['raw']:,.0f} raw, "
    f"{lopsided['standardised']:.1f} standardised), which matters for the flat directions "
    "when training runs long, and a scale on which the usual default rates are not far "
    "too small."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- The yardstick is the optimum $L^* = {L_STAR:.5f}$ (Newton's method, the same for raw "
    "and standardised features); a run is judged by its excess loss $L - L^*$, measured on "
    "the final weights, not on Keras's running mean.\n"
    f"- Chosen on validation rows and seeds 0 to {SEEDS - 1}, the tuned rate for SGD with "
    f"batches of {BATCH_SIZE} and {EPOCHS} epochs is η = {tuned['standardised']:g} on "
    f"standardised features and η = {tuned['raw']:g} on raw ones. On fresh seeds, the "
    "course's rates " + ", ".join(f"{rate:g}" for rate in slow_rates) + " end clearly "
    f"further from $L^*$; {largest_course} is behind by only "
    f"{close['difference']:.4f} ± {close['difference_se']:.4f} (paired mean ± standard "
    "error"
    + (", not distinguishable on ten seeds" if close["difference_low"] < 0 else "")
    + ") and far steadier. The tuned rate tests at "
    f"{100 * chosen_accuracy.mean():.1f} %. The validation loss rewards confident weights: "
    f"η = {best_std:g}, the rate that ended closest to $L^*$ on the selection seeds, ends "
    f"{'ahead of' if cost['difference'] < 0 else 'behind'} the tuned rate on the fresh "
    f"seeds by {abs(cost['difference']):.4f} ± {cost['difference_se']:.4f}, with "
    f"{significance(cost)}.\n"
    f"- $2/\\lambda_{{\\max}}$ at $w = 0$ "
    f"({curvature.loc['standardised', '2 / λmax at w = 0']:.2f} standardised, "
    f"{curvature.loc['raw', '2 / λmax at w = 0']:.2f} raw) is where a full-batch step "
    "cannot increase the loss from anywhere; it is a worst case. At the optimum the limit "
    f"is {curvature.loc['standardised', '2 / λmax at the optimum']:.0f} and "
    f"{curvature.loc['raw', '2 / λmax at the optimum']:.2f}, and full-batch descent at "
    "η = 100 on standardised features converges.\n"
    "- The epoch-to-epoch wobble of mini-batch runs at large rates is noise from the "
    "batches: full-batch descent at the same rates and starts falls from every epoch end "
    "to the next. Far above the worst-case bound it overshoots in its first few updates "
    f"(on raw features at η = 2, to a loss of up to {overshot['peak'].max():.1f}), and bounded "
    "gradients keep it, and every run of the sweep, from diverging.\n"
    "- Compare feature scalings each at its own tuned rate: at the same η the steps differ "
    f"{step_ratio:.0f}-fold, and raw features look "
    f"{same_rate['standardised'] / same_rate['raw']:.1f} times better; at their tuned "
    f"rates the paired difference (raw − standardised) is {fair['difference']:+.4f} ± "
    f"{fair['difference_se']:.4f}, with a 95 % interval that "
    + ("excludes 0" if excludes_zero(fair) else "includes 0")
    + f", small next to the {default_gap:.3f} at Keras's default rate; at the rates "
    f"closest to $L^*$ it is {fair_closest['difference']:+.4f} ± "
    f"{fair_closest['difference_se']:.4f}."
)
