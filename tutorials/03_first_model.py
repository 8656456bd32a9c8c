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
# # A first Keras model
#
# **Logistic regression as a one-neuron network, trained with plain stochastic gradient
# descent, and what the "loss" in Keras's training history really measures.**
#
# **What you will learn**
#
# - that logistic regression is a network with one neuron: a weighted sum of the four
#   features, squashed into a probability by the sigmoid;
# - the binary cross-entropy, the loss the model is trained to make small;
# - how to train it with Keras's stochastic gradient descent (SGD) through `bgd.train`, and
#   read the history it returns as a tidy frame and a figure;
# - why the training loss Keras reports for an epoch is *higher* than the loss of the model at
#   the end of that epoch;
# - how much one run's test accuracy depends on its seed, and where the original course's
#   single run lies among many.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown
from matplotlib.ticker import PercentFormatter

import banknote_gd as bgd

bgd.set_style()

SEED = 0  # initial weights and order of the mini-batches
SEEDS = 30  # seeds of the sweep that places this run among others
EPOCHS = 10
LARGER_LEARNING_RATE = 0.1
COURSE_SGD_ACCURACY = 0.579  # the original course's test accuracy, default SGD, 10 epochs

# %% [markdown]
# ## The data
#
# We use the course's split of the previous lessons: most banknotes for training, the rest
# held out for testing, and the four features standardised with the mean and standard
# deviation of the training rows.

# %%
split = bgd.split_data()
split

# %% [markdown]
# ## Logistic regression is a network with one neuron
#
# For a banknote with features $x = (x_1, x_2, x_3, x_4)$ (variance, skewness, kurtosis and
# entropy of the image) the model computes a weighted sum, the *logit*
#
# $$z = w_1 x_1 + w_2 x_2 + w_3 x_3 + w_4 x_4 + b = w^\top x + b,$$
#
# and turns it into the probability that the note is forged with the *sigmoid* function
#
# $$\hat p = \sigma(z) = \frac{1}{1 + e^{-z}}.$$
#
# The sigmoid maps any number to the interval $(0, 1)$: a large positive logit means "almost
# surely forged", a large negative one "almost surely genuine", and $z = 0$ gives
# $\hat p = 0.5$. The note is predicted forged when $\hat p > 0.5$, that is when $z > 0$.
#
# In Keras this is one `Dense` layer with a single unit and the sigmoid activation,
# `Dense(1, activation="sigmoid")`: a neural network with one neuron. `bgd.build_model`
# builds it, with initial weights drawn from the seed, and compiles it with the binary
# cross-entropy loss and the SGD optimizer.

# %%
model = bgd.build_model(optimizer="sgd", seed=SEED)
model.summary()

# %%
n_features = split.X_train.shape[1]
assert model.count_params() == n_features + 1, "one weight per feature plus one bias"
kernel, bias = model.get_weights()
pd.DataFrame(
    {"initial value": [*kernel.ravel(), *bias]},
    index=[f"weight of {name}" for name in split.feature_names] + ["bias"],
).round(3)

# %% tags=["hide-input"]
Markdown(
    f"The model has **{model.count_params()}** parameters: **{n_features}** weights, one per "
    f"feature, and **{bias.size}** bias. Training means finding the values of these "
    f"{model.count_params()} numbers that make the loss small."
)

# %% [markdown]
# ## The loss: binary cross-entropy
#
# For one note with label $y$ (1 forged, 0 genuine) and predicted probability $\hat p$, the
# binary cross-entropy is
#
# $$\ell(y, \hat p) = -\bigl[\,y \log \hat p + (1 - y) \log (1 - \hat p)\,\bigr],$$
#
# that is $-\log \hat p$ for a forged note and $-\log(1 - \hat p)$ for a genuine one: the
# loss is 0 for a confident right answer and grows without bound for a confident wrong one.
# The loss of the model on a set of $m$ notes is the mean,
# $L = \frac{1}{m} \sum_{i=1}^{m} \ell(y_i, \hat p_i)$.

# %%
logits = np.linspace(-6, 6, 241)
probabilities = np.linspace(0.005, 0.995, 199)
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
left.plot(logits, 1 / (1 + np.exp(-logits)), color="tab:blue", linewidth=2)
left.axhline(0.5, color="grey", linestyle=":", linewidth=1)
left.axvline(0, color="grey", linestyle=":", linewidth=1)
left.set(
    xlabel="logit z = wᵀx + b",
    ylabel="predicted probability σ(z)",
    title="The sigmoid turns a logit into a probability",
)
right.plot(probabilities, -np.log(probabilities), linewidth=2, label="forged note (y = 1): −log p")
right.plot(
    probabilities,
    -np.log(1 - probabilities),
    linewidth=2,
    linestyle="--",
    label="genuine note (y = 0): −log(1 − p)",
)
right.set(
    xlabel="predicted probability of forged, p",
    ylabel="loss of one note",
    title="Binary cross-entropy punishes confident mistakes",
)
right.legend(loc="upper center")
for ax in (left, right):
    ax.grid(alpha=0.3)

# %% [markdown]
# Let us check the formula against Keras on the untrained model: the mean binary
# cross-entropy of its predictions on the training rows, computed with NumPy, should equal
# the loss `model.evaluate` reports. A model that knows nothing and answers $\hat p = 0.5$
# for every note would have the loss $\log 2$; random initial weights usually do worse.

# %%
predicted = model.predict(split.X_train, verbose=0).ravel().astype(np.float64)
labels = split.y_train.astype(np.float64)
loss_by_hand = -np.mean(labels * np.log(predicted) + (1 - labels) * np.log(1 - predicted))
initial = model.evaluate(split.X_train, split.y_train, verbose=0, return_dict=True)
assert abs(loss_by_hand - initial["loss"]) < 1e-5, "the formula is what Keras computes"
assert initial["loss"] > np.log(2), "the random start is worse than answering 0.5"
assert abs(initial["accuracy"] - 0.5) < 0.1, "and it classifies about as well as a coin"

# %% tags=["hide-input"]
Markdown(
    f"Before training, the binary cross-entropy on the training rows is "
    f"**{loss_by_hand:.4f}** by the formula and **{initial['loss']:.4f}** by Keras. That is "
    f"more than the **{np.log(2):.4f}** of always answering 0.5, and the accuracy is "
    f"**{100 * initial['accuracy']:.1f} %**: the random initial weights are no better than "
    "a coin."
)

# %% [markdown]
# ## Training with stochastic gradient descent
#
# SGD improves the parameters a little at a time. It takes the training rows in shuffled
# mini-batches of a few notes and, after each batch, moves every parameter a small step against
# the gradient of that batch's loss:
#
# $$w \leftarrow w - \eta \, \nabla_w L_{\text{batch}}(w).$$
#
# The step size $\eta$ is the *learning rate*. Like the original course we keep Keras's
# defaults for the learning rate and the batch size, and train for `EPOCHS` epochs (an epoch
# is one pass over the training rows). `bgd.train` trains with Keras's
# `model.fit` and returns the history as a tidy frame; with `return_model=True` it also
# returns the trained model. Lesson 4 writes this update rule out by hand.

# %%
history, model = bgd.train(optimizer="sgd", epochs=EPOCHS, seed=SEED, return_model=True)
learning_rate = float(model.optimizer.learning_rate)
batch_size = int(history["batch_size"].iloc[0])
updates_per_epoch = int(history["step"].min())
assert np.isclose(learning_rate, 0.01) and batch_size == 32, "Keras's defaults"

# %% tags=["hide-input"]
Markdown(
    f"The model was trained with a learning rate of **{learning_rate:.2g}** and batches of "
    f"**{batch_size}**: **{updates_per_epoch}** updates per epoch, "
    f"**{int(history['step'].max())}** in all."
)

# %% [markdown]
# The frame has one row per epoch, split and metric (`loss` or `accuracy`), with the
# configuration in the first columns. There are three splits:
#
# - `train`: the model at the end of the epoch, evaluated on all the training rows;
# - `train_running`: what Keras's own history calls `loss`, a running mean over the epoch
#   (the next section explains the difference);
# - `test`: the model at the end of the epoch, evaluated on the test rows.

# %%
history.head(6)

# %% [markdown]
# A pivot puts the measurements of each epoch on one line:

# %%
table = history.pivot_table(index="epoch", columns=["split", "metric"], values="value")
table.round(3)

# %% [markdown]
# `bgd.plot_history` draws the two metrics over the epochs, one line per split; its title
# ends with the final test accuracy.

# %%
grid = bgd.plot_history(history, title="Logistic regression, SGD with Keras's defaults")

# %% tags=["hide-input"]
train_loss = table[("train", "loss")]
running_loss = table[("train_running", "loss")]
test_loss = table[("test", "loss")]
test_accuracy = table[("test", "accuracy")]
final_model_loss = model.evaluate(split.X_train, split.y_train, verbose=0, return_dict=True)
assert abs(final_model_loss["loss"] - train_loss.loc[EPOCHS]) < 1e-5, "train = final weights"
assert train_loss.is_monotonic_decreasing, "the training loss falls every epoch"
assert train_loss.diff().iloc[-1] < -0.01, "and it is still falling in the last epoch"
assert (running_loss > train_loss).all(), "the running mean lies above the end-of-epoch loss"
first_epochs = table.loc[1:5]
assert (first_epochs[("train_running", "loss")] > first_epochs[("test", "loss")]).all(), (
    "in the first epochs the running mean lies above the test loss"
)
Markdown(
    f"The training loss falls every epoch, from **{train_loss.iloc[0]:.3f}** after the first "
    f"to **{train_loss.iloc[-1]:.3f}** after the last (the same number `model.evaluate` gives "
    f"for the trained model), and the test accuracy rises from "
    f"**{100 * test_accuracy.iloc[0]:.1f} %** to **{100 * test_accuracy.iloc[-1]:.1f} %**. "
    "The curves are still going down at the last epoch: with this small learning rate, "
    f"{EPOCHS} epochs are not enough to finish training. Note the `train_running` line: it "
    "lies above the `train` line in every epoch, and in the first epochs even above the "
    "test loss, although the model is fitted to the training rows."
)

# %% [markdown]
# ## What is the "loss" of an epoch?
#
# Why does Keras's own training loss (`train_running`) lie above the loss of the model on the
# same rows (`train`)? During an epoch, Keras computes the loss of each mini-batch *before*
# the update that batch triggers (the forward pass that gives the loss also gives the
# gradient) and reports for the epoch the mean over its batches. With $\theta_{k-1}$ the
# parameters before batch $k$ and $m_k$ its size ($n$ rows in $K$ batches),
#
# $$\text{loss}_{\text{epoch}} = \frac{1}{n} \sum_{k=1}^{K} m_k \,
# L_{B_k}(\theta_{k-1}).$$
#
# It is the mean loss of $K$ *different* models, the ones the parameters went through during
# the epoch, each on its own batch. The `train` and `test` losses, in contrast, are measured
# once, on the model at the end of the epoch. While the loss is falling, the models early in
# the epoch are worse than the final one, so the running mean is higher than the loss of the
# model at the end of the epoch, and lower than the loss at its start (the end of the
# previous epoch; for the first epoch, the untrained model's loss `initial` above).

# %%
start_of_epoch = train_loss.shift(1, fill_value=initial["loss"])
comparison = pd.DataFrame(
    {
        "loss at the start of the epoch": start_of_epoch,
        "running mean (Keras's history)": running_loss,
        "loss at the end of the epoch": train_loss,
    }
)
comparison["running minus end"] = (
    comparison["running mean (Keras's history)"] - comparison["loss at the end of the epoch"]
)
comparison.round(4)

# %% tags=["hide-input"]
inside = (comparison["loss at the start of the epoch"] > running_loss) & (running_loss > train_loss)
assert inside.all(), "the running mean lies between the losses at the start and end of the epoch"
gap = comparison["running minus end"]
assert gap.loc[1] > 3 * gap.loc[EPOCHS], "the gap is much larger in the first epoch"
change = start_of_epoch - train_loss
assert change.loc[EPOCHS] < change.loc[1] / 3, "the model changes much less in the last epoch"
Markdown(
    f"In the first epoch the loss of the model falls from "
    f"**{comparison.loc[1, 'loss at the start of the epoch']:.3f}** to "
    f"**{comparison.loc[1, 'loss at the end of the epoch']:.3f}**, and Keras reports the mean "
    f"along the way, **{running_loss.loc[1]:.3f}**: **{gap.loc[1]:.3f}** above the "
    f"end-of-epoch loss. In epoch {EPOCHS} the model changes less within the epoch and the gap "
    f"shrinks to **{gap.loc[EPOCHS]:.4f}**. In every one of the {EPOCHS} epochs the running "
    "mean lies between the loss at the start and the loss at the end of the epoch."
)

# %% [markdown]
# So the history's training loss lags behind the model: it is highest relative to the true
# end-of-epoch loss early in training, when each epoch improves the model the most. How much
# it lags also depends on the batch size and the learning rate, so two settings should not be
# compared on it. The later lessons compare settings on the `train` split, the loss of the
# model itself. (The running accuracy lags in the same way.)

# %% [markdown]
# ## A larger learning rate
#
# The loss was still falling at the last epoch. A larger step should get further in the same
# number of updates. Here is the same model, the same initial weights and the same batches,
# with a learning rate of `LARGER_LEARNING_RATE` instead of Keras's default.

# %%
larger = bgd.train(optimizer="sgd", learning_rate=LARGER_LEARNING_RATE, epochs=EPOCHS, seed=SEED)
larger_title = f"Logistic regression, SGD, learning rate {LARGER_LEARNING_RATE}"
grid = bgd.plot_history(larger, title=larger_title)

# %% tags=["hide-input"]
larger_table = larger.pivot_table(index="epoch", columns=["split", "metric"], values="value")
larger_loss = larger_table[("train", "loss")]
larger_running = larger_table[("train_running", "loss")]
larger_accuracy = larger_table[("test", "accuracy")]
larger_gap = larger_running - larger_loss
assert larger_loss.iloc[-1] < train_loss.iloc[-1], "the larger rate ends with a lower loss"
assert larger_accuracy.iloc[-1] > test_accuracy.iloc[-1], "and a higher test accuracy"
assert larger_gap.loc[1] > gap.loc[1], "a larger step changes the model more in the first epoch"
larger_first_test = larger_table.loc[1, ("test", "loss")]
assert abs(larger_loss.loc[1] - larger_first_test) < larger_gap.loc[1] / 4, (
    "measured at the end of the epoch, training and test loss are close"
)
Markdown(
    f"With a learning rate of {LARGER_LEARNING_RATE} the training loss at the end of "
    f"training is **{larger_loss.iloc[-1]:.3f}** instead of **{train_loss.iloc[-1]:.3f}**, "
    f"and the final test accuracy **{100 * larger_accuracy.iloc[-1]:.1f} %** instead of "
    f"**{100 * test_accuracy.iloc[-1]:.1f} %**. In the first epoch the model now improves so "
    f"much that the running mean, **{larger_running.loc[1]:.3f}**, is **{larger_gap.loc[1]:.3f}**"
    f" above the loss at the end of that epoch, **{larger_loss.loc[1]:.3f}**, which is close "
    f"to the test loss of **{larger_first_test:.3f}**: the wide gap between the running "
    "training loss and the test loss at epoch 1 in the figure is the lag, not the model."
)

# %% [markdown]
# Is a larger learning rate always better, then? Not at all: a step that is too large jumps
# past the minimum to a point higher up on the other side, and the loss can grow without
# bound. Lesson 4 shows why on a problem small enough to draw,
# and lesson 5 measures it on the banknotes, over many seeds.
#
# ## One run among many
#
# Every number so far comes from one run, with `SEED = 0`: one draw of the initial weights and
# one order of the mini-batches. The original course reports its own single run of the same
# setting, SGD with Keras's defaults for 10 epochs, at a test accuracy of
# `COURSE_SGD_ACCURACY`. Which of the two runs is typical? `bgd.sweep` trains the same
# setting for `SEEDS` seeds at once (seed 0 is the run above), at both learning rates.

# %%
runs = bgd.sweep(
    {"learning_rate": [learning_rate, LARGER_LEARNING_RATE]},
    seeds=SEEDS,
    epochs=EPOCHS,
    optimizer="sgd",
    batch_size=batch_size,
)
final_accuracy = bgd.final_values(runs, split="test", metric="accuracy")
best = bgd.optimum(split)  # the weights of minimal training loss, for comparison
spread = final_accuracy.groupby("learning_rate")["value"].describe()[["mean", "min", "50%", "max"]]
spread.rename(columns={"50%": "median"}).round(3)

# %%
with sns.axes_style("whitegrid"):
    figure, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    sns.stripplot(
        data=final_accuracy.assign(rate=final_accuracy["learning_rate"].map("η = {:g}".format)),
        x="value",
        y="rate",
        hue="rate",
        palette="colorblind",
        jitter=0.15,
        size=6,
        alpha=0.8,
        legend=False,
        ax=ax,
    )
    seed_zero = final_accuracy[final_accuracy["seed"] == SEED]
    ax.scatter(
        seed_zero["value"],
        [0, 1],
        marker="D",
        s=90,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
        label=f"seed {SEED}, the run of this lesson",
    )
    ax.axvline(
        COURSE_SGD_ACCURACY,
        color="black",
        linestyle="--",
        label=f"the original course's single run, η = 0.01 ({COURSE_SGD_ACCURACY:.1%})",
    )
    ax.axvline(
        best.test_accuracy,
        color="black",
        linestyle=":",
        label=f"the weights of minimal training loss ({best.test_accuracy:.1%})",
    )
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set(
        xlabel=f"test accuracy after {EPOCHS} epochs",
        ylabel="learning rate",
        title=f"SGD with batches of {batch_size}: {SEEDS} seeds per learning rate, one dot per run",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)

# %% tags=["hide-input"]
small = final_accuracy[final_accuracy["learning_rate"] == learning_rate].set_index("seed")["value"]
large = final_accuracy[final_accuracy["learning_rate"] == LARGER_LEARNING_RATE]["value"]
n_test = len(split.y_test)
assert abs(small.loc[SEED] - test_accuracy.loc[EPOCHS]) < 1.5 / n_test, (
    "the sweep's seed 0 is the run of this lesson"
)
assert small.max() - small.min() > 3 * (large.max() - large.min()), (
    "the seeds spread much more at the small learning rate"
)
at_or_below = int((small <= COURSE_SGD_ACCURACY).sum())


def percent(value):
    """An accuracy as the lesson writes it."""
    return f"{100 * value:.1f} %"


seed_rank = int((small < small.loc[SEED]).sum())
side = "above" if small.loc[SEED] > small.median() else "at or below"
course_inside = small.min() <= COURSE_SGD_ACCURACY <= small.max()
ends = f"{at_or_below} of our {SEEDS} seeds {'ends' if at_or_below == 1 else 'end'} at or below it"
if at_or_below == 0:
    verdict = (
        f"lies below every one of our {SEEDS} seeds (the lowest is {percent(small.min())}); "
        "its run drew its weights and batches differently from ours"
    )
elif at_or_below <= SEEDS // 10:
    verdict = f"lies near the bottom: {ends}, an unlucky draw but a possible one"
else:
    verdict = f"is not unusual: {ends}"
Markdown(
    f"At Keras's default rate the test accuracy after {EPOCHS} epochs depends strongly on the "
    f"seed: it ranges from **{percent(small.min())}** to **{percent(small.max())}** over "
    f"{SEEDS} seeds (median {percent(small.median())}). Our seed {SEED}, at "
    f"{percent(small.loc[SEED])}, is better than {seed_rank} of the {SEEDS} seeds, {side} the "
    f"median. The original course's single run, at **{percent(COURSE_SGD_ACCURACY)}**, "
    f"{verdict}. Neither single run describes the setting; the spread does. At "
    f"{LARGER_LEARNING_RATE} every seed ends between **{percent(large.min())}** and "
    f"**{percent(large.max())}**, closer to the {percent(best.test_accuracy)} of the weights "
    f"that minimise the training loss: the wide spread at {learning_rate:g} is a symptom of "
    "unfinished training, where each run is still wherever its random start put it. This is "
    "why the lessons from lesson 5 on train every setting over many seeds."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- Logistic regression is a Keras network with one neuron, `Dense(1, "
    f'activation="sigmoid")`: **{model.count_params()}** parameters for **{n_features}** '
    "features.\n"
    f"- Trained with SGD at Keras's default learning rate of {learning_rate:.2g}, batches of "
    f"{batch_size} and {EPOCHS} epochs, seed {SEED} reaches a test accuracy of "
    f"**{100 * test_accuracy.iloc[-1]:.1f} %**, with the loss still falling; over {SEEDS} "
    f"seeds the same setting ends anywhere from {percent(small.min())} to "
    f"{percent(small.max())}, and the original course's {percent(COURSE_SGD_ACCURACY)} "
    f"{'lies inside that range' if course_inside else 'lies outside it'}. A learning rate of "
    f"{LARGER_LEARNING_RATE} reaches "
    f"**{100 * larger_accuracy.iloc[-1]:.1f} %** (seed {SEED}; {percent(large.min())} to "
    f"{percent(large.max())} over the seeds).\n"
    "- The training loss Keras reports for an epoch is the mean of the batch losses, each "
    "measured before its update. It runs above the loss of the model at the end of the "
    f"epoch, by **{gap.loc[1]:.3f}** in the first epoch and **{gap.loc[EPOCHS]:.4f}** in the "
    "last; settings are compared on the loss of the model itself."
)
