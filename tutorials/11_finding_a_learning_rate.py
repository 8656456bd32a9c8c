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
# learning-rate range test, checked against a grid search for SGD and Adam, how its answer
# depends on its length, and warm-up seen through the curvature of the start.**
#
# **What you will learn**
#
# - how the learning-rate range test works in the form popularised by fast.ai's `lr_find`:
#   one short run in which the rate rises exponentially, the smoothed training loss drawn
#   against the rate;
# - the two usual rules for reading a rate off that curve, and how close they come to the
#   best rate of a grid search chosen on validation rows, checked on fresh seeds and on test
#   rows, for SGD and Adam;
# - that the suggested rate depends on how many updates the test runs;
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
RANGE_STEPS = 100  # updates of one range test (fast.ai's default)
LONG_RANGE_STEPS = 400  # a longer test over the same rates, to see what the length does
SMOOTHING = 0.9  # beta of the moving average of the range test's loss
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
# trained hundreds of runs to pick one rate per optimizer. Smith (2017) proposed a shortcut,
# the *learning-rate range test*: train once, for a few epochs, while the rate rises linearly
# from a small to a large value, and plot the accuracy against the rate; the good range runs
# from where the accuracy starts to rise to where it becomes ragged or falls. Smith (2018)
# returned to the test to choose the rates of his one-cycle schedule. The variant used here
# is the one popularised by fast.ai's `lr_find` (Gugger, 2017; Howard and Gugger, 2020):
# train for a short run only, raise the rate at every update, exponentially from a tiny
# $\eta_{\min}$ to a huge $\eta_{\max}$,
#
# $$\eta_t = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{t/(T-1)},
# \qquad t = 0, \dots, T-1 .$$
#
# and draw the training *loss* against the rate. It tells a story. At first the rate is too
# small to change anything and the loss stays flat; then it falls, faster and faster; then the
# steps become too large and the loss turns and shoots up. The useful rates are where it falls.
# `bgd.lr_range_test` runs the test, recording the loss of each batch before its update
# and a smoothed version of it (an exponential moving average with $\beta$ = `SMOOTHING`),
# and stops once the smoothed loss has grown to four times its lowest value. We keep a
# validation part of the training rows aside, as the grid search below will, and run the test
# on the rest, for each of the `SEEDS` seeds and both optimizers: given a list of seeds, one
# call runs one test per seed, all trained at once. The figure shows one of these tests.

# %%
data = bgd.split_data(validation_size=VALIDATION_SIZE)


def range_tests(steps: int) -> pd.DataFrame:
    """One range test of `steps` updates per seed and optimizer, in one frame."""
    return pd.concat(
        [
            bgd.lr_range_test(
                optimizer=name,
                min_lr=MIN_LR,
                max_lr=MAX_LR,
                steps=steps,
                batch_size=BATCH_SIZE,
                data=data,
                seed=list(range(SEEDS)),
                smoothing=SMOOTHING,
            )
            for name in OPTIMIZERS
        ],
        ignore_index=True,
    )


tests = range_tests(RANGE_STEPS)
one_test = tests[(tests["optimizer"] == "sgd") & (tests["seed"] == 0)]
ax = bgd.plot_lr_range(one_test, title=f"One range test: SGD, batch size {BATCH_SIZE}, seed 0")
one_test.head()

# %% [markdown]
# ## The rule
#
# `bgd.suggest_learning_rate` turns the curve into one number, by one of two rules:
#
# - **steepest**: the rate where the smoothed loss falls fastest per decade of rate, the
#   steepest point of the falling stretch, which fast.ai's `lr_find` reports as a first
#   guess;
# - **minimum**: a tenth of the rate at which the smoothed loss is lowest; Gugger (2017)
#   advises it because at the minimum the rate is already at the edge of too large, and one
#   order of magnitude lower is still fast but safe.
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


# %% tags=["hide-input"]
def smoothing_lag(steps):
    """How many times smaller the rate is whose loss the smoothed curve shows, on average."""
    growth = (MAX_LR / MIN_LR) ** (1 / (steps - 1))  # the rate's factor per update
    return growth, growth ** (SMOOTHING / (1 - SMOOTHING))  # the average's mean age, in updates


growth, lag = smoothing_lag(RANGE_STEPS)
assert lag > 2, "the lag should be worth a sentence"
Markdown(
    "Both rules read the smoothed curve, and a moving average lags behind: with "
    f"$\\beta$ = {SMOOTHING} the losses it averages are on average "
    f"$\\beta/(1-\\beta)$ = {SMOOTHING / (1 - SMOOTHING):.0f} updates old, and over "
    f"{RANGE_STEPS} updates the rate grows by a factor {growth:.2f} per update. So the "
    "smoothed curve shows, at each rate, roughly the loss of a rate "
    f"{growth:.2f}^{SMOOTHING / (1 - SMOOTHING):.0f} ≈ **{lag:.1f}** times smaller: what the "
    "curve does at a rate, the model did at a smaller one."
)

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

# %% tags=["hide-input"]
close_to_best = {}  # per optimizer: grid rates the seeds cannot tell from the grid's best
for name in OPTIMIZERS:
    against_best = bgd.compare(
        grid[grid["optimizer"] == name],
        by="learning_rate",
        baseline=float(grid_best[name]),
        split="validation",
    )
    close_to_best[name] = against_best.loc[
        against_best["difference_low"] <= 0, "learning_rate"
    ].tolist()
assert all(close_to_best[name] for name in OPTIMIZERS), "the grid's choice should be uncertain"
plausible = {name: sorted([grid_best[name], *close_to_best[name]]) for name in OPTIMIZERS}
Markdown(
    "The grid's own choice is uncertain too. Paired by seed against the best rate, the "
    "95 % interval of the difference in validation loss still reaches zero at "
    + "; ".join(
        f"{' and '.join(f'{rate:g}' for rate in close_to_best[name])} for {name} "
        f"(best {grid_best[name]:g})"
        for name in OPTIMIZERS
    )
    + f". With {SEEDS} seeds the grid pins the rate down only to a range: "
    + ", ".join(
        f"{plausible[name][0]:g} to {plausible[name][-1]:g} for {name}" for name in OPTIMIZERS
    )
    + "."
)

# %% [markdown]
# Now the final check, on seeds that played no part in either choice (`FRESH_SEEDS`) and on
# the *test* rows, which played no part in anything: each optimizer trained at the grid's
# rate and at the median suggestion of each rule, paired by seed and compared by the test
# loss of the final weights with `bgd.compare` (mean paired difference from the grid's rate,
# its standard error, and a paired-bootstrap 95 % interval).

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
assert "test" in set(final_runs["split"]), "the final runs should be scored on the test rows"
rows = []
for name in OPTIMIZERS:
    runs = final_runs[final_runs["optimizer"] == name]
    result = bgd.compare(
        runs, by="learning_rate", baseline=candidates[name]["grid"], split="test"
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
                "test loss": row["mean"] if row is not None else np.nan,
                "grid's test loss": row["baseline_mean"] if row is not None else np.nan,
                "difference": row["difference"] if row is not None else 0.0,
                "difference_low": row["difference_low"] if row is not None else 0.0,
                "difference_high": row["difference_high"] if row is not None else 0.0,
            }
        )
checked = pd.DataFrame(rows).set_index(["optimizer", "rule"])
checked.round(4)

# %% tags=["hide-input"]
ratio = checked["rate / grid's"]
factor = max(ratio.max(), 1 / ratio.min())  # the farthest suggestion from the grid's rate
low, high = checked["difference_low"], checked["difference_high"]
assert spread["steepest"].max() > 3, "one range test alone should be unreliable"
assert 1 < factor < 10, "every suggestion within 10x of the grid's rate, none equal to it"
assert (ratio.loc["sgd"] < 1).all(), "for SGD both rules should suggest less than the grid"
assert (low.loc["sgd"] > 0).all(), "and, on fresh seeds and test rows, end significantly worse"
assert (low.loc["adam"] < 0).all(), "for Adam neither rule should be significantly worse"

# %% tags=["hide-input"]
Markdown(
    "A single range test is not to be trusted: over the seeds the steepest-rule "
    "suggestion moves by a factor of up to "
    + " and ".join(f"**{spread.loc[name, 'steepest']:.0f}** ({name})" for name in OPTIMIZERS)
    + ", the minimum rule by up to "
    + " and ".join(f"{spread.loc[name, 'minimum']:.0f}" for name in OPTIMIZERS)
    + f". Their medians land within a factor of {factor:.1f} of the grid's rate, but not on "
    f"it. For SGD the grid chose **{candidates['sgd']['grid']:g}**, and both rules suggest "
    f"less (**{candidates['sgd']['steepest']:.2g}** and "
    f"**{candidates['sgd']['minimum']:.2g}**); on the fresh seeds their test loss is higher "
    f"by {checked.loc[('sgd', 'steepest'), 'difference']:.4f} and "
    f"{checked.loc[('sgd', 'minimum'), 'difference']:.4f}, intervals clear of zero. For "
    f"Adam the grid chose **{candidates['adam']['grid']:g}**, the rules "
    f"**{candidates['adam']['steepest']:.2g}** and **{candidates['adam']['minimum']:.2g}**, "
    "and on the fresh seeds neither is significantly worse than the grid's rate (the "
    f"differences are {checked.loc[('adam', 'steepest'), 'difference']:+.4f} and "
    f"{checked.loc[('adam', 'minimum'), 'difference']:+.4f}). The test cost "
    f"{RANGE_STEPS} updates per seed; the grid {len(GRID_RATES)} full trainings of "
    f"{int(grid['step'].max())} updates per seed."
)

# %% [markdown]
# ## How long should the test be?
#
# Nothing in the rules says how many updates the test should take; we used `RANGE_STEPS`
# updates, fast.ai's default. As the rate rises at every update, the loss the test draws at
# a rate is the loss of a model already trained at all the smaller rates before it, and how
# much training that is depends on the length of the test. The control: the same tests, same
# seeds, same range of rates, with `LONG_RANGE_STEPS` updates instead.

# %%
long_tests = range_tests(LONG_RANGE_STEPS)
long_suggestion = (
    pd.DataFrame({rule: bgd.suggest_learning_rate(long_tests, rule=rule) for rule in RULES})
    .groupby("optimizer", sort=False)
    .median()
    .loc[OPTIMIZERS]
)
by_length = pd.concat(
    {
        f"{RANGE_STEPS} updates": suggestion,
        f"{LONG_RANGE_STEPS} updates": long_suggestion,
        "shorter / longer": suggestion / long_suggestion,
    },
    axis=1,
)
by_length.round(3)

# %% tags=["hide-input"]
shrink = suggestion / long_suggestion


def rate_at_half(frame):
    """Median over seeds of the first rate at which the smoothed loss is half its first value."""
    run = frame.groupby(["optimizer", "seed"])["smoothed_loss"]
    below = frame[frame["smoothed_loss"] < run.transform("first") / 2]
    first_rate = below.groupby(["optimizer", "seed"])["learning_rate"].min()
    assert (first_rate.groupby("optimizer").size() == SEEDS).all(), "every test should get there"
    return first_rate.groupby("optimizer").median()


half_short, half_long = rate_at_half(tests), rate_at_half(long_tests)
reaches_one = {}  # the first update (counted from 1) whose rate is 1
for steps in (RANGE_STEPS, LONG_RANGE_STEPS):
    rates = MIN_LR * (MAX_LR / MIN_LR) ** (np.arange(steps) / (steps - 1))  # the test's rates
    reaches_one[steps] = int(np.argmax(rates > 0.999)) + 1
long_factor = (long_suggestion.rdiv(grid_best, axis=0)).to_numpy()  # grid's rate / suggestion
turn_up = 10 * suggestion.loc["sgd", "minimum"]  # median rate of the lowest smoothed loss
sharpest_limit = 2 / bgd.lambda_max(
    np.zeros(data.X_train.shape[1]), 0.0, data.X_train, data.y_train
)
long_growth, long_lag = smoothing_lag(LONG_RANGE_STEPS)
assert (shrink > 1).all().all(), "the longer test should suggest smaller rates, every time"
assert shrink.max().max() > 5, "by a large factor for at least one rule"
assert (half_long < half_short).all(), "the longer test's loss should fall at smaller rates"
assert turn_up / lag > 2 * sharpest_limit, "even allowing for the lag, far above the limit"

# %% tags=["hide-input"]
Markdown(
    f"With {LONG_RANGE_STEPS} updates instead of {RANGE_STEPS}, every median suggestion "
    f"falls, by a factor of **{shrink.min().min():.1f}** to **{shrink.max().max():.0f}**: "
    + "; ".join(
        f"{name} {rule} from {suggestion.loc[name, rule]:.2g} to "
        f"{long_suggestion.loc[name, rule]:.2g}"
        for name in OPTIMIZERS
        for rule in RULES
    )
    + f". The longer suggestions lie {long_factor.min():.1f} to {long_factor.max():.0f} times "
    f"below the grid's rates. The longer test reaches $\\eta = 1$ at update "
    f"{reaches_one[LONG_RANGE_STEPS]} instead of {reaches_one[RANGE_STEPS]}: it has trained "
    "more by the time it gets to each rate, so its loss falls at smaller rates (the smoothed "
    "loss is down to half its first value at a median $\\eta$ of "
    + ", ".join(
        f"{half_long[name]:.2g} instead of {half_short[name]:.2g} for {name}" for name in OPTIMIZERS
    )
    + "), and both rules follow it down. Its moving average also lags less "
    f"({long_growth:.3f} per update, a lag of {long_lag:.1f}× instead of {lag:.1f}×). The rate "
    "a range test suggests is a property of the loss *and* of the test's length, and how "
    f"close the {RANGE_STEPS}-update test came to the grid depends on that choice.\n\n"
    "Nor does the sharp start hold the test back. No point of this loss is sharper than "
    f"$\\theta = 0$ ([lesson 9](09_curvature.py)), where $2/\\lambda_{{\\max}}$ = "
    f"{sharpest_limit:.2f} on these rows; yet the SGD tests reach their lowest smoothed loss "
    f"at a median $\\eta$ = {turn_up:.0f}, and even allowing for the lag of the average "
    f"(÷{lag:.1f}) their loss keeps falling up to about $\\eta$ = {turn_up / lag:.0f}, "
    f"{turn_up / lag / sharpest_limit:.1f} times that limit."
)

# %% [markdown]
# ## Warm-up, and the curvature of the start
#
# Many training recipes do not start at their full learning rate but raise it over the
# first updates: a *warm-up* (Goyal et al., 2017). Lesson 9 suggests why it might help:
# the largest stable rate is $2/\lambda_{\max}$, and if the loss is sharper at the start
# than later, a rate that is safe later can be too large for the first steps; Gilmer et
# al. (2022) found warm-up working this way in deep networks. Which way does it go here?
# The warm-up runs below train on all the training rows, so on those rows we follow
# $\lambda_{\max}$ along full-batch descent from each seed's start, at $\eta = 1$: below
# $2/\lambda_{\max}$ everywhere, so that the path itself is calm.

# %%
training = bgd.split_data()  # all the training rows, as the warm-up runs use
early = bgd.full_batch_descent(
    training, learning_rate=1.0, steps=WARMUP_STEPS, seed=list(range(SEEDS)), track_lambda_max=True
)
by_seed = early.groupby("seed")["lambda_max"]
at_zero = bgd.lambda_max(
    np.zeros(training.X_train.shape[1]), 0.0, training.X_train, training.y_train
)
start_limit = 2 / at_zero
flatter_later = int((by_seed.first() > by_seed.last()).sum())
rises_first = int((by_seed.max() > by_seed.first()).sum())
sharper_at_start = (by_seed.first() / by_seed.last()).median()
assert (by_seed.max() <= at_zero * (1 + 1e-9)).all(), "no point is sharper than θ = 0"
assert early["learning_rate"].max() < start_limit, "the path's rate is below every limit"
assert flatter_later > SEEDS / 2, "most seeds should be sharper at the start than later"
assert rises_first > 0, "but the start should not always be the sharpest point of the path"

# %% tags=["hide-input"]
Markdown(
    f"After {WARMUP_STEPS} full-batch updates $\\lambda_{{\\max}}$ is lower than at the "
    f"initial weights in **{flatter_later} of {SEEDS}** seeds, a median "
    f"**{sharper_at_start:.1f}** times lower. The start is not the sharpest point of every "
    f"path, though: in {rises_first} seeds $\\lambda_{{\\max}}$ first rises, up to "
    f"{by_seed.max().max():.3f}, before it falls; none exceeds its value at $\\theta = 0$, "
    f"{at_zero:.3f}, where the limit $2/\\lambda_{{\\max}}$ is {start_limit:.2f}. So the "
    "curvature argument for warm-up applies here in a mild form: the first updates face a "
    f"loss about {sharper_at_start:.1f} times sharper than {WARMUP_STEPS} updates later."
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
warmup_effect[["baseline_mean", "mean", "difference", "difference_low", "difference_high"]].rename(
    columns={"baseline_mean": "cosine", "mean": "warm-up + cosine"}
).round(4)

# %% tags=["hide-input"]
design = np.column_stack([training.X_train, np.ones(len(training.X_train))])  # rows (x, 1)
largest_row = np.linalg.norm(design, axis=1).max()
no_warmup = warmup_effect["baseline_mean"]
assert (warmup_effect["difference_high"] > 0).all(), "warm-up lowers the loss at no rate"
assert no_warmup.loc[WARMUP_RATES[-1]] <= no_warmup.loc[WARMUP_RATES[0]], (
    "without warm-up the largest peak rate should end no worse than the smallest"
)
worse = warmup_effect.index[warmup_effect["difference_low"] > 0].tolist()

# %% tags=["hide-input"]
Markdown(
    "Here warm-up does not pay. At no peak rate does it lower the final training loss: no "
    "95 % interval of the paired difference lies below zero"
    + (
        f", and at {' and '.join(f'{rate:g}' for rate in worse)} the interval lies entirely "
        "above zero: warm-up is slightly but clearly worse (it spends a tenth of the run at "
        "reduced rates)"
        if worse
        else ""
    )
    + ". Without warm-up, even "
    f"$\\eta = {WARMUP_RATES[-1]}$, {WARMUP_RATES[-1] / start_limit:.0f} times the limit "
    f"{start_limit:.2f} at $\\theta = 0$, ends at a training loss of "
    f"{no_warmup.loc[WARMUP_RATES[-1]]:.4f}, no higher than at $\\eta = {WARMUP_RATES[0]}$ "
    f"({no_warmup.loc[WARMUP_RATES[0]]:.4f}). On this problem an early overshoot cannot run "
    "away, whatever the rate: the gradient of one row is $(p_i - y_i)\\,\\tilde x_i$, where "
    "$\\tilde x_i = (x_i, 1)$ holds the standardised features and a 1 for the bias, and "
    "$|p_i - y_i| < 1$, so one update moves $\\theta$ by less than "
    f"$\\eta \\max_i \\|\\tilde x_i\\|$ = {largest_row:.1f} $\\eta$. The loss, computed from "
    "the logits, stays finite and grows at most linearly with $\\theta$: an overshoot is a "
    "bounded step, which the later updates, at the cosine's falling rates, take back. "
    "Warm-up earns its place where an early overshoot is not undone so easily: Gilmer et "
    "al. (2022) found deep networks whose initial sharpness makes a large first rate "
    "diverge, and a warm-up that lets the sharpness fall before the rate rises."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- The range test costs {RANGE_STEPS} updates per seed instead of a grid of full "
    "trainings, and draws the whole range of rates at once; but one test is noisy (its "
    f"suggestion moves by up to {spread['steepest'].max():.0f}× between seeds): take the "
    "median of several.\n"
    f"- With {RANGE_STEPS} updates its suggestions land within a factor of {factor:.1f} of "
    "the rate a validation grid search chooses, a rate the grid itself pins down only to "
    f"a range (for SGD, {plausible['sgd'][0]:g} to {plausible['sgd'][-1]:g}). For Adam they "
    "are not significantly worse than the grid's rate on fresh seeds and test rows; for SGD "
    f"they are too small ({candidates['sgd']['steepest']:.2g} and "
    f"{candidates['sgd']['minimum']:.2g} against {candidates['sgd']['grid']:g}) and end "
    "measurably worse.\n"
    "- The suggestion depends strongly on the test's length: with "
    f"{LONG_RANGE_STEPS} updates every median suggestion falls, by up to "
    f"{shrink.max().max():.0f}×. The sharp start does not hold it back: the SGD tests "
    f"keep improving up to about $\\eta$ = {turn_up / lag:.0f}, "
    f"{turn_up / lag / sharpest_limit:.1f} times the limit at the sharpest point of the loss. "
    "Fix the length before you trust the answer; use the test to find the range, and a "
    "short grid within it to find the rate.\n"
    f"- The start is sharper than {WARMUP_STEPS} updates later in {flatter_later} of "
    f"{SEEDS} seeds, as the argument for warm-up assumes, but here warm-up brings nothing "
    "measurable: the gradients of logistic regression are bounded, so an early overshoot "
    "is a bounded step that later updates undo."
)

# %% [markdown]
# ## Further reading
#
# - Leslie N. Smith (2017). *Cyclical Learning Rates for Training Neural Networks.* IEEE
#   Winter Conference on Applications of Computer Vision (WACV).
# - Leslie N. Smith (2018). *A Disciplined Approach to Neural Network Hyper-Parameters: Part
#   1 – Learning Rate, Batch Size, Momentum, and Weight Decay.* arXiv:1803.09820.
# - Sylvain Gugger (2017). *How Do You Find a Good Learning Rate.* Blog post.
# - Jeremy Howard and Sylvain Gugger (2020). *Fastai: A Layered API for Deep Learning.*
#   Information 11(2):108.
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677.
# - Justin Gilmer, Behrooz Ghorbani, Ankush Garg, Sneha Kudugunta, Behnam Neyshabur, David
#   Cardoze, George Dahl, Zachary Nado and Orhan Firat (2022). *A Loss Curvature Perspective
#   on Training Instability in Deep Learning.* ICLR 2022.
# - Jeremy Cohen, Simran Kaur, Yuanzhi Li, J. Zico Kolter and Ameet Talwalkar (2021).
#   *Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability.* ICLR
#   2021.
