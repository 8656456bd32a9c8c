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
# # Batch size and learning rate together
#
# **How many updates does each batch size need when its learning rate is tuned for it? The
# critical batch size of McCandlish et al. (2018), measured two ways, the linear and
# square-root scaling rules, and the wall time of a step on this machine.**
#
# **What you will learn**
#
# - how to compare batch sizes fairly: each at its own tuned learning rate, tuned on one set
#   of seeds and measured on fresh ones, by the number of updates until the loss reaches a
#   target, looked at after every update;
# - the model $S = S_{\min}\,(1 + B_{\text{crit}}/B)$ of McCandlish et al. (2018), its
#   *critical batch size*, and the gradient noise scale measured directly from per-example
#   gradients;
# - when the best learning rate grows in proportion to the batch size (Goyal et al., 2017),
#   when like its square root (Krizhevsky, 2014; Hoffer et al., 2017), and what this grid of
#   rates can tell apart;
# - what a step costs on this machine, so that "large batches are faster" is measured, not
#   assumed.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown

import banknote_gd as bgd

bgd.set_style()

SEEDS = 10  # seeds 0 to 9 choose each batch size's learning rate
FRESH_SEEDS = list(range(100, 110))  # seeds that measure it, never used to choose
TARGET = 2.0  # the target: a training loss of TARGET times the minimum L*
BATCH_SIZES = [1, 4, 16, 64, 256, 960]  # 960: the full batch, every training row
EPOCHS = {1: 6, 4: 6, 16: 6, 64: 8, 256: 15, 960: 100}  # each batch size's budget
RATE_STEPS = [0.125, 0.25, 0.5, 1, 2, 4]  # each batch size's rates: a guess times these
BOOTSTRAP = 1000  # resamples of the fresh seeds, for the 95 % intervals
TIMED_UPDATES = 30  # updates per timing, repeated TIMING_REPEATS times
TIMING_REPEATS = 5
palette = sns.color_palette("colorblind")

# %% [markdown]
# ## The yardstick: updates to reach a target loss
#
# [Lesson 6](06_batch_size.py) compared batch sizes after a fixed number of epochs, then of
# updates, at fixed rates. Here every batch size $B$ gets its own learning rate, and we ask how
# many updates $S$ it needs to bring the training loss down to a target: `TARGET` times the
# minimum $L^*$ of [lesson 9](09_curvature.py). Two details decide whether this is fair.
#
# - **When the loss is looked at.** A sweep evaluates the loss at the end of each epoch:
#   960 updates apart for batches of one row, every update for the full batch. Measured that
#   way, small batches would be charged for the updates up to the next epoch's end. So here
#   every batch size is looked at after every single update: `bgd.minibatch_descent` runs
#   the same descent as the package's models (the seed's initial weights, its batch order,
#   the same rows in every batch), in NumPy, and records the loss on all training rows after
#   each update.
# - **Noise.** With a constant rate, a small-batch run does not settle: it jitters around a
#   level set by its rate and batch size, and one run can touch the target by luck long
#   before it typically gets there. So we follow the *average* of the training loss over the
#   seeds, an estimate of the expected loss, and $S$ is the first update at which that
#   average is at or below the target.
#
# Each batch size tries six rates around a first guess ($B$ itself, capped at 50: the guess
# only places the window, and a check below makes sure that no chosen rate sits at its
# edge), each for the same budget of `EPOCHS[B]` epochs.

# %%
split = bgd.split_data()
X, y = split.X_train, split.y_train
n_train = len(y)
assert BATCH_SIZES[-1] == n_train, "the last batch size should be the full batch"
L_STAR = bgd.optimum(split).loss
target_loss = TARGET * L_STAR


def rates_for(batch_size: int) -> list[float]:
    """The window of rates tried for a batch size: a guess, times RATE_STEPS."""
    guess = min(float(batch_size), 50.0)
    return [round(guess * factor, 6) for factor in RATE_STEPS]


def loss_curves(batch_size: int, rates: list[float], seeds: list[int]) -> pd.DataFrame:
    """The training loss after every update: a row per update, a column per (rate, seed)."""
    path = bgd.minibatch_descent(
        split, learning_rate=rates, batch_size=batch_size, epochs=EPOCHS[batch_size], seed=seeds
    )
    return path.pivot_table(index="step", columns=["learning_rate", "seed"], values="loss")


def updates_to_target(curves: np.ndarray) -> float:
    """First update at which the average of the curves (columns) reaches the target, or inf."""
    average = curves.mean(axis=1)  # NaN (a diverged run) never reaches it
    reached = np.flatnonzero(average <= target_loss)
    return float(reached[0]) if len(reached) else np.inf


tuning = {}  # {batch size: {rate: updates to the target}}, on the tuning seeds
for batch_size in BATCH_SIZES:
    curves = loss_curves(batch_size, rates_for(batch_size), list(range(SEEDS)))
    tuning[batch_size] = {
        rate: updates_to_target(curves[rate].to_numpy()) for rate in rates_for(batch_size)
    }
tuning = pd.DataFrame(tuning).T.rename_axis(index="batch_size", columns="learning_rate")

# %% [markdown]
# For each batch size we choose the rate whose average loss reaches the target in the
# fewest updates over the tuning seeds (a rate whose average never gets there within the
# budget counts as infinitely slow), and measure that rate on the fresh seeds. The interval
# beside each measurement is a 95 % bootstrap interval: the fresh seeds are resampled with
# replacement `BOOTSTRAP` times, and $S$ is computed again from each resample's average.

# %%
best_rate = tuning.idxmin(axis=1)
for batch_size in BATCH_SIZES:
    window = rates_for(batch_size)
    assert window[0] < best_rate[batch_size] < window[-1], "a chosen rate sits at its edge"
fresh = {b: loss_curves(b, [best_rate[b]], FRESH_SEEDS)[best_rate[b]] for b in BATCH_SIZES}
resamples = np.random.default_rng(0).integers(
    0, len(FRESH_SEEDS), size=(BOOTSTRAP, len(FRESH_SEEDS))
)
boot = pd.DataFrame(
    {b: [updates_to_target(c.to_numpy()[:, r]) for r in resamples] for b, c in fresh.items()}
)
measured = pd.DataFrame(
    {
        "learning rate": best_rate,
        "S": {b: updates_to_target(c.to_numpy()) for b, c in fresh.items()},
        "low": boot.quantile(0.025),
        "high": boot.quantile(0.975),
        "end of budget (× L*)": {b: c.mean(axis=1).iloc[-1] / L_STAR for b, c in fresh.items()},
    }
).rename_axis("batch_size")
assert np.isfinite(measured["S"]).all(), "every batch size's average loss should reach it"
measured["examples (S × B)"] = measured["S"] * measured.index
measured.round(2)

# %% tags=["hide-input"]
end_of_budget = measured["end of budget (× L*)"]
noisy = [b for b in BATCH_SIZES if end_of_budget[b] > (1 + TARGET) / 2]  # nearer 2 than 1
assert noisy and n_train not in noisy, "small batches stay near the target, the full batch not"
Markdown(
    "The last column is the average loss at the end of each budget. For batches of "
    + ", ".join(map(str, noisy))
    + f" it is still {end_of_budget[noisy].min():.2f} to {end_of_budget[noisy].max():.2f} "
    f"× $L^*$, not far below the target of {TARGET:g} × $L^*$ that it first reached long "
    "before: at these constant rates the noise of the batches holds the loss near a level, "
    "it does not settle at the minimum. The full batch, with no noise, goes on down to "
    f"{end_of_budget[n_train]:.2f} × $L^*$. That is why the yardstick follows the average "
    "over seeds: one run can dip below the target by luck and come back above it."
)

# %% [markdown]
# ## The model of McCandlish et al.
#
# McCandlish et al. (2018) model the trade-off with two numbers, assuming that the noise of
# the gradient stays about the same during training. With the exact gradient, training would
# need $S_{\min}$ updates. A batch of $B$ rows gives a noisy gradient; their analysis of the
# best step for a noisy gradient gives
#
# $$S = S_{\min}\left(1 + \frac{B_{\text{crit}}}{B}\right), \qquad
# E = S\,B = E_{\min}\left(1 + \frac{B}{B_{\text{crit}}}\right),$$
#
# with $E$ the number of training examples read and $E_{\min} = S_{\min} B_{\text{crit}}$.
# Far below $B_{\text{crit}}$, doubling the batch halves the updates (and reads the same
# data); far above it, a larger batch reads more data for almost no fewer updates. The
# *critical batch size* $B_{\text{crit}}$ is the turning point: there training takes twice
# the minimum updates and twice the minimum examples.
#
# Here the exact gradient is the full batch: batches are drawn without replacement from
# $n$ = 960 rows, so the variance of a batch gradient carries the finite-population factor
# $(n - B)/(n - 1)$, and the full batch has none. With it, the model reads
# $S = S_{\min}\,(1 + B_{\text{crit}}\,\frac{n - B}{B\,(n - 1)})$, which gives $S_{\min}$ at
# $B = n$. We fit the two numbers to the fresh $S$ by least squares on the relative error
# (a straight line in $\frac{n - B}{B(n - 1)}$), and each bootstrap resample too, for their
# intervals.

# %%
sizes = measured.index.to_numpy(dtype=float)
noise_factor = (n_train - sizes) / (sizes * (n_train - 1))


def fit(updates: np.ndarray) -> tuple[float, float]:
    """S_min and B_crit of the model, fitted to the updates S of BATCH_SIZES."""
    slope, intercept = np.polyfit(noise_factor, updates, 1, w=1 / updates)
    return intercept, slope / intercept


S_MIN, B_CRIT = fit(measured["S"].to_numpy())
boot_fits = np.array([fit(row) for row in boot.to_numpy() if np.isfinite(row).all()])
S_MIN_CI, B_CRIT_CI = np.percentile(boot_fits, [2.5, 97.5], axis=0).T
relative_error = np.abs(S_MIN * (1 + B_CRIT * noise_factor) / measured["S"] - 1)
assert S_MIN > 0 and B_CRIT > 0, "the fit should give a positive S_min and B_crit"
assert relative_error.max() < 0.5, "the model should fit every batch size within 50 %"
assert len(boot_fits) >= 0.99 * BOOTSTRAP, "almost every resample should reach the target"

# %% [markdown]
# McCandlish et al. also show how to estimate the critical batch size without training any
# batch size: from the gradients of single examples. With $G$ the full gradient and
# $\Sigma$ the covariance of the per-example gradients, the simplest version is
# $B_{\text{simple}} = \operatorname{tr}(\Sigma)/|G|^2$, the batch size at which the noise
# of a batch gradient is as large as the gradient itself. It changes as training goes on,
# so we measure it where the question is asked: at the weights where full-batch descent at
# its tuned rate first reaches the target, for each fresh seed, and also at each seed's
# starting weights. `bgd.gradient_noise_scale` computes it from the per-example gradients.

# %%
full_rate = float(best_rate[n_train])
noise = []
for seed in FRESH_SEEDS:
    kernel, bias = bgd.initial_weights(seed)
    steps = int(updates_to_target(fresh[n_train][[seed]].to_numpy()))
    reached = bgd.by_hand.logistic_regression_sgd(
        X, y, weights=kernel, bias=bias, learning_rate=full_rate, batch_size=n_train,
        epochs=steps, order=None,
    )  # fmt: skip
    points = {"start": (kernel.ravel(), float(bias[0])), "target": (reached.weights, reached.bias)}
    for where, (w, b) in points.items():
        gradient = bgd.logistic_gradient(w, b, X, y)
        eigenvalues = bgd.hessian_eigenvalues(w, b, X, y)
        noise.append(
            {
                "seed": seed,
                "where": where,
                "B_simple": bgd.gradient_noise_scale(w, b, X, y),
                "B_noise": bgd.gradient_noise_scale(w, b, X, y, hessian_weighted=True),
                "|G|²": float(gradient @ gradient),
                "condition": eigenvalues[-1] / eigenvalues[0],
                "2/λmax": 2 / eigenvalues[-1],
            }
        )
noise = pd.DataFrame(noise)
noise["tr(Σ)"] = noise["B_simple"] * noise["|G|²"]
at = noise.pivot_table(index="seed", columns="where")  # one row per seed and point
B_SIMPLE = float(at["B_simple", "target"].median())
B_NOISE = float(at["B_noise", "target"].median())
ratio = at["B_simple", "target"].to_numpy()[resamples]
ratio_ci = np.percentile(
    [np.median(r) / fit(row)[1] for r, row in zip(ratio, boot.to_numpy())], [2.5, 97.5]
)
shrink = (at.xs("start", axis=1, level=1) / at.xs("target", axis=1, level=1)).median()
growth = B_SIMPLE / at["B_simple", "start"].median()
noise.groupby("where")[["B_simple", "B_noise", "|G|²", "tr(Σ)", "condition", "2/λmax"]].median()

# %% tags=["hide-input"]
assert B_SIMPLE > 10 * at["B_simple", "start"].median(), "the noise scale grows in training"
assert shrink["|G|²"] > 10 * shrink["tr(Σ)"] > 10, "both shrink, the gradient much faster"
assert at["condition", "target"].median() > 100, "the Hessian is far from a multiple of I"
start_scales = at.xs("start", axis=1, level=1)[["B_simple", "B_noise"]].median()
assert (start_scales < B_CRIT).all() and B_CRIT < min(B_SIMPLE, B_NOISE), "B_crit in between"

# %% tags=["hide-input"]
agree = ratio_ci[0] <= 1 <= ratio_ci[1]
Markdown(
    f"Batches of **{BATCH_SIZES[0]}** need **{measured.loc[BATCH_SIZES[0], 'S']:.0f}** "
    f"updates to reach {TARGET:g} × $L^*$ = {target_loss:.4f}; the full batch needs "
    f"**{measured.loc[n_train, 'S']:.0f}**. The fit gives $S_{{\\min}}$ = **{S_MIN:.1f}** "
    f"updates (95 % interval {S_MIN_CI[0]:.1f} to {S_MIN_CI[1]:.1f}) and "
    f"$B_{{\\text{{crit}}}}$ = **{B_CRIT:.0f}** ({B_CRIT_CI[0]:.0f} to {B_CRIT_CI[1]:.0f}), "
    f"within {100 * relative_error.max():.0f} % of every measured $S$. Measured from "
    "per-example gradients where the target is reached, $B_{\\text{simple}}$ = "
    f"**{B_SIMPLE:.0f}** (median over the fresh seeds; from "
    f"{at['B_simple', 'target'].min():.0f} to {at['B_simple', 'target'].max():.0f}), "
    f"{B_SIMPLE / B_CRIT:.1f} times the fitted $B_{{\\text{{crit}}}}$ (95 % interval of the "
    f"ratio {ratio_ci[0]:.1f} to {ratio_ci[1]:.1f}: "
    + ("they agree within their uncertainty). " if agree else "they differ). ")
    + "Why not closer? $B_{\\text{simple}}$ treats every direction as equally sharp: "
    "McCandlish et al. derive it as an approximation of their noise scale "
    "$B_{\\text{noise}} = \\operatorname{tr}(H\\Sigma)/G^\\top H G$ for a Hessian $H$ close "
    "to a multiple of the identity, and here the Hessian's largest eigenvalue is "
    f"{at['condition', 'target'].median():.0f} times its smallest (median). Weighted by the "
    "Hessian (`hessian_weighted=True`), the noise scale at the target is "
    f"$B_{{\\text{{noise}}}}$ = **{B_NOISE:.0f}** (median), "
    + ("even farther from" if B_NOISE > B_SIMPLE else "nearer to")
    + " the fit. What the fit leaves out is that the noise scale changes along the way, "
    "while the model assumes one value for the whole run: $B_{\\text{simple}}$ grows from "
    f"{at['B_simple', 'start'].median():.1f} at the seeds' starting weights to "
    f"{B_SIMPLE:.0f} at the target ($B_{{\\text{{noise}}}}$ from "
    f"{at['B_noise', 'start'].median():.1f} to {B_NOISE:.0f}): the gradient and its noise "
    f"both shrink, the squared gradient {shrink['|G|²']:.0f} times, the noise "
    f"$\\operatorname{{tr}}(\\Sigma)$ {shrink['tr(Σ)']:.0f} times (medians). The fitted "
    "$B_{\\text{crit}}$ is one effective value for that whole path, and lies between its "
    "two ends."
)

# %%
figure, axes = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
grid_b = np.geomspace(1, n_train, 100)
grid_factor = (n_train - grid_b) / (grid_b * (n_train - 1))
for ax, what in zip(axes, ["updates S", "examples E = S × B"]):
    per_batch = sizes if what.startswith("examples") else 1.0
    curve = S_MIN * (1 + B_CRIT * grid_factor) * (grid_b if what.startswith("examples") else 1)
    ax.errorbar(
        measured.index,
        measured["S"] * per_batch,
        yerr=[
            (measured["S"] - measured["low"]) * per_batch,
            (measured["high"] - measured["S"]) * per_batch,
        ],
        fmt="o",
        color=palette[0],
        capsize=3,
        label=f"measured, with 95 % bootstrap interval over {len(FRESH_SEEDS)} fresh seeds",
    )
    ax.plot(
        grid_b, curve, color=palette[1], label="fit: S = S_min (1 + B_crit (n − B) / (B (n − 1)))"
    )
    ax.axvline(B_CRIT, color=palette[2], linestyle="--", label=f"B_crit (fit) = {B_CRIT:.0f}")
    ax.axvline(
        B_SIMPLE, color=palette[4], linestyle=":", label=f"B_simple (gradients) = {B_SIMPLE:.0f}"
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="batch size B (log scale)",
        ylabel=f"{what} (log scale)",
        title=f"{what.split(' ')[0].capitalize()} to reach {TARGET:g} × L*, "
        "each batch size at its tuned rate",
    )
    bgd.log_axis(ax, "x")
    bgd.log_axis(ax, "y")
    ax.grid(alpha=0.3)
legend = figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)

# %% [markdown]
# ## Linear or square-root scaling of the rate?
#
# Two rules of thumb say how to change the learning rate with the batch size. Goyal et al.
# (2017) scale it in proportion, $\eta \propto B$: $k$ times the batch averages away $k$
# times the noise, and one step of $k\eta$ moves about as far as $k$ steps of $\eta$.
# Krizhevsky (2014) and Hoffer et al. (2017) argue for $\eta \propto \sqrt{B}$, which keeps
# the covariance of each update, $\eta^2\Sigma/B$, the same. On a log-log plot of the tuned
# rates these are straight lines of slope 1 and 1/2.

# %%
small_batches = [b for b in BATCH_SIZES if b <= B_CRIT / 10]  # far below B_crit
large_batches = [b for b in BATCH_SIZES if b >= B_CRIT / 2]  # near it and above


def scaling_exponent(batch_sizes: list[int]) -> float:
    """Slope of log(tuned rate) against log(batch size) over these batch sizes."""
    rates = best_rate.loc[batch_sizes].to_numpy(dtype=float)
    return float(np.polyfit(np.log(batch_sizes), np.log(rates), 1)[0])


slope_small = round(scaling_exponent(small_batches), 2) + 0.0  # + 0.0: no "-0.00"
slope_large = round(scaling_exponent(large_batches), 2) + 0.0

figure, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
tried = pd.DataFrame(
    [(b, rate) for b in BATCH_SIZES for rate in rates_for(b)],
    columns=["batch_size", "learning_rate"],
)
ax.scatter(tried["batch_size"], tried["learning_rate"], s=12, color="0.6", label="rates tried")
ax.plot(best_rate.index, best_rate, "o-", color=palette[0], label="tuned rate")
anchor_b, anchor_rate = best_rate.index[0], best_rate.iloc[0]
ax.plot(grid_b, anchor_rate * grid_b / anchor_b, "--", color=palette[1], label="linear: η ∝ B")
ax.plot(
    grid_b,
    anchor_rate * np.sqrt(grid_b / anchor_b),
    ":",
    color=palette[2],
    label="square root: η ∝ √B",
)
ax.axvline(B_CRIT, color="0.3", lw=1, linestyle="-.", label="B_crit (fit)")
ax.set(
    xscale="log",
    yscale="log",
    ylim=(tried["learning_rate"].min() / 1.5, tried["learning_rate"].max() * 1.5),
    xlabel="batch size B (log scale)",
    ylabel="learning rate η (log scale)",
    title="Learning rate tuned for each batch size (fewest updates to the target)",
)
bgd.log_axis(ax, "x")
bgd.log_axis(ax, "y")
ax.legend()
ax.grid(alpha=0.3)

# %% tags=["hide-input"]
assert len(small_batches) >= 3 and len(large_batches) >= 2, "both regimes need batch sizes"
assert 0.4 < slope_small < 1.2, "far below B_crit the tuned rate should grow with B"
assert slope_large < 0.25, "near and above B_crit the tuned rate should hardly grow"
limit = at["2/λmax", "target"].median()
top_rate = best_rate[large_batches[-1]]
assert top_rate < limit < 2 * top_rate, "the top rate: below 2/λmax, the next rate above"
# a grid in factors of 2 places each tuned rate within a factor of 2: the exponent over
# the small batches is known to about log(2) / log(largest / smallest) either way
resolution = np.log(2) / np.log(small_batches[-1] / small_batches[0])
if abs(slope_small - 1) + resolution < abs(slope_small - 0.5):
    small_rule = "the linear rule, as the noise argument predicts where the noise dominates"
elif abs(slope_small - 0.5) + resolution < abs(slope_small - 1):
    small_rule = "the square-root rule"
else:
    small_rule = (
        "between the linear and the square-root rule; with rates a factor of 2 apart the "
        f"exponent is only known to about ±{resolution:.1f}, which cannot tell the two apart"
    )

# %% tags=["hide-input"]
Markdown(
    "Far below $B_{\\text{crit}}$ (batch sizes "
    + ", ".join(map(str, small_batches))
    + f") the tuned rate grows like $B^{{{slope_small:.2f}}}$: {small_rule}. From "
    f"{large_batches[0]} rows on it grows like $B^{{{slope_large:.2f}}}$: it stops at "
    f"{top_rate:g}, whatever the batch size. Near and above $B_{{\\text{{crit}}}}$ a "
    "larger batch removes little noise that still matters, and the rate is held by the "
    "curvature of [lesson 9](09_curvature.py) instead: where the target is reached, "
    f"$2/\\lambda_{{\\max}}$ = {limit:.0f} (median over the fresh seeds), above {top_rate:g} "
    f"and below the next rate tried, {2 * top_rate:g}. Neither rule holds there."
)

# %% [markdown]
# ## Wall time per update on this machine
#
# Fewer updates is only faster if an update does not cost proportionally more. The runs
# above were computed in NumPy for exactness; what a learner pays per update is the step of
# the course's Keras model, so that is what we time (`train_on_batch`, one compiled step) at
# every batch size, `TIMED_UPDATES` updates at a time, repeated `TIMING_REPEATS` times, and
# keep the median: on a shared machine a single timing can be slowed by whatever else runs.

# %%
model = bgd.build_model(optimizer="sgd", learning_rate=0.01, seed=0)
step_time = {}
for batch_size in BATCH_SIZES:
    xb, yb = X[:batch_size], y[:batch_size]
    model.train_on_batch(xb, yb)  # compile for this shape first
    timings = []
    for _ in range(TIMING_REPEATS):
        begin = time.perf_counter()
        for _ in range(TIMED_UPDATES):
            model.train_on_batch(xb, yb)
        timings.append((time.perf_counter() - begin) / TIMED_UPDATES)
    step_time[batch_size] = np.median(timings)
seconds = measured[["S", "low", "high"]].mul(pd.Series(step_time), axis=0)
measured["ms per update"] = 1000 * pd.Series(step_time)
measured["seconds to target"] = seconds["S"]
measured[["learning rate", "S", "ms per update", "seconds to target"]].round(3)

# %% tags=["hide-input"]
small = BATCH_SIZES[0]
cost_ratio = step_time[n_train] / step_time[small]
fastest = seconds["S"].idxmin()
# batch sizes whose interval of seconds overlaps the fastest one's: not told apart from it
tied = [b for b in BATCH_SIZES if seconds.loc[b, "low"] <= seconds.loc[fastest, "high"]]
assert cost_ratio < 10, "a full-batch update should cost far less than 960 single-row updates"
assert min(tied) >= 64, "in wall time, the large batches should reach the target first"
assert small not in tied, "batches of one row should be clearly slower in wall time"
slower = (seconds.loc[small, "low"] / seconds.loc[fastest, "high"],
          seconds.loc[small, "high"] / seconds.loc[fastest, "low"])  # fmt: skip

# %% tags=["hide-input"]
Markdown(
    f"An update of the full batch ({n_train} rows) takes **{cost_ratio:.1f}** times as long as "
    f"an update of one row, not {n_train} times: for a model this small the time of a step "
    "is the framework's overhead, not arithmetic. So on this machine fewer updates means "
    "less time: batches of "
    + (
        f"**{fastest}** reach the target first"
        if tied == [fastest]
        else "**" + "**, **".join(map(str, tied)) + "** reach the target first (their "
        "intervals overlap: this measurement does not tell them apart)"
    )
    + f", **{slower[0]:.0f} to {slower[1]:.0f}** times sooner than batches of {small} (from "
    "the intervals of $S$). On a large model, where the arithmetic dominates once the "
    "hardware is busy, an update of $B$ rows costs close to $B$ times as much, and batches "
    "beyond $B_{\\text{crit}}$ then waste computation."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- Looked at after every update, and averaged over seeds, batches of {small} need "
    f"{measured.loc[small, 'S']:.0f} updates at their tuned rate to reach {TARGET:g} × "
    f"$L^*$ and the full batch {measured.loc[n_train, 'S']:.0f}.\n"
    f"- $S = S_{{\\min}}(1 + B_{{\\text{{crit}}}}/B)$, with the finite-population factor "
    f"for batches drawn without replacement, fits with $S_{{\\min}}$ = {S_MIN:.1f} and a "
    f"critical batch size $B_{{\\text{{crit}}}}$ = {B_CRIT:.0f} ({B_CRIT_CI[0]:.0f} to "
    f"{B_CRIT_CI[1]:.0f}); per-example gradients give $B_{{\\text{{simple}}}}$ = "
    f"{B_SIMPLE:.0f} at the target, "
    + ("within the uncertainty of the fit" if agree else f"{B_SIMPLE / B_CRIT:.1f} times as much")
    + f", for a noise scale that grows {growth:.0f}-fold along the way.\n"
    f"- Far below the critical batch size the tuned rate grows like $B^{{{slope_small:.2f}}}$ "
    f"(batch sizes {small_batches[0]} to {small_batches[-1]}); from {large_batches[0]} rows "
    f"on it hardly grows (exponent {slope_large:.2f}): it stops below the curvature limit "
    "$2/\\lambda_{\\max}$.\n"
    f"- A full-batch update costs {cost_ratio:.1f} × a single-row update here, so the "
    f"large batches win in wall time ({slower[0]:.0f} to {slower[1]:.0f} × sooner to the "
    "target)."
)

# %% [markdown]
# ## Further reading
#
# - Sam McCandlish, Jared Kaplan, Dario Amodei and the OpenAI Dota Team (2018). *An
#   Empirical Model of Large-Batch Training.* arXiv:1812.06162.
# - Priya Goyal, Piotr Dollár, Ross Girshick, Pieter Noordhuis, Lukasz Wesolowski, Aapo
#   Kyrola, Andrew Tulloch, Yangqing Jia and Kaiming He (2017). *Accurate, Large Minibatch
#   SGD: Training ImageNet in 1 Hour.* arXiv:1706.02677.
# - Alex Krizhevsky (2014). *One Weird Trick for Parallelizing Convolutional Neural
#   Networks.* arXiv:1404.5997.
# - Elad Hoffer, Itay Hubara and Daniel Soudry (2017). *Train Longer, Generalize Better:
#   Closing the Generalization Gap in Large Batch Training of Neural Networks.* NeurIPS
#   2017.
# - Christopher J. Shallue, Jaehoon Lee, Joseph Antognini, Jascha Sohl-Dickstein, Roy
#   Frostig and George E. Dahl (2019). *Measuring the Effects of Data Parallelism on Neural
#   Network Training.* Journal of Machine Learning Research 20.
