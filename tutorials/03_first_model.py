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
#   the end of that epoch.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown

import banknote_gd as bgd

SEED = 0  # initial weights and order of the mini-batches
EPOCHS = 10
LARGER_LEARNING_RATE = 0.1

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
# The frame has one row per epoch, split (`train` or `test`) and metric (`loss` or
# `accuracy`), with the configuration in the first columns:

# %%
history.head(4)

# %% [markdown]
# A pivot puts the four measurements of each epoch on one line:

# %%
table = history.pivot_table(index="epoch", columns=["split", "metric"], values="value")
table.round(3)

# %% [markdown]
# `bgd.plot_history` draws the two metrics over the epochs; its title ends with the final
# test accuracy.

# %%
grid = bgd.plot_history(history, title="Logistic regression, SGD with Keras's defaults")

# %%
train_loss = table[("train", "loss")]
test_accuracy = table[("test", "accuracy")]
assert train_loss.is_monotonic_decreasing, "the training loss falls every epoch"
assert train_loss.diff().iloc[-1] < -0.01, "and it is still falling in the last epoch"
first_epochs = table.loc[1:5]
assert (first_epochs[("train", "loss")] > first_epochs[("test", "loss")]).all(), (
    "in the first epochs the training loss lies above the test loss"
)

# %% tags=["hide-input"]
Markdown(
    f"The training loss falls every epoch, from **{train_loss.iloc[0]:.3f}** to "
    f"**{train_loss.iloc[-1]:.3f}**, and the test accuracy rises from "
    f"**{100 * test_accuracy.iloc[0]:.1f} %** to **{100 * test_accuracy.iloc[-1]:.1f} %**. "
    "The curves are still going down at the last epoch: with this small learning rate, "
    f"{EPOCHS} epochs are not enough to finish training."
)

# %% [markdown]
# ## What is the "loss" of an epoch?
#
# In the first epochs of the figure the training loss lies *above* the test loss, although
# the model is fitted to the training rows. The reason is the way Keras measures the training
# loss.
#
# During an epoch, Keras computes the loss of each mini-batch *before* the update that batch
# triggers (the forward pass that gives the loss also gives the gradient) and reports for the
# epoch the mean over its batches. With $\theta_{k-1}$ the parameters before batch $k$ and
# $m_k$ its size ($n$ rows in $K$ batches),
#
# $$\text{loss}_{\text{epoch}} = \frac{1}{n} \sum_{k=1}^{K} m_k \,
# L_{B_k}(\theta_{k-1}).$$
#
# It is the mean loss of $K$ *different* models, the ones the parameters went through during
# the epoch, each on its own batch. The test loss, in contrast, is measured once, on the
# model at the end of the epoch. While the loss is falling, the models early in the epoch are
# worse than the final one, so the reported training loss is higher than the loss of the
# model at the end of the epoch.
#
# We can measure the loss of the model itself with `model.evaluate` on all the training
# rows: on the untrained model (`initial` above), on the trained one, and on models trained
# for one epoch and for one epoch less than the full run. The same seed gives the same
# initial weights and the same batch order, so these shorter runs stop exactly where the full
# run was at the end of its first and its next-to-last epoch.


# %%
def training_loss(trained_model):
    """Binary cross-entropy of a model on all the training rows."""
    return trained_model.evaluate(split.X_train, split.y_train, verbose=0, return_dict=True)["loss"]


def training_loss_after(epochs, learning_rate=None):
    """Loss on the training rows after `epochs` epochs of the run above (same seed)."""
    _, trained = bgd.train(
        optimizer="sgd", learning_rate=learning_rate, epochs=epochs, seed=SEED, return_model=True
    )
    return training_loss(trained)


end_of_last = training_loss(model)
comparison = pd.DataFrame(
    {
        "loss at the start of the epoch": [initial["loss"], training_loss_after(EPOCHS - 1)],
        "history (mean over batches)": [train_loss.loc[1], train_loss.loc[EPOCHS]],
        "loss at the end of the epoch": [training_loss_after(1), end_of_last],
    },
    index=pd.Index([1, EPOCHS], name="epoch"),
)
comparison["history minus end"] = (
    comparison["history (mean over batches)"] - comparison["loss at the end of the epoch"]
)
comparison.round(4)

# %%
for epoch in comparison.index:
    row = comparison.loc[epoch]
    assert (
        row["loss at the start of the epoch"]
        > row["history (mean over batches)"]
        > row["loss at the end of the epoch"]
    ), "the history lies between the losses at the start and at the end of the epoch"
gap = comparison["history minus end"]
assert gap.loc[1] > 5 * gap.loc[EPOCHS], "the gap is much larger in the first epoch"
change = comparison["loss at the start of the epoch"] - comparison["loss at the end of the epoch"]
assert change.loc[EPOCHS] < change.loc[1] / 5, "the model changes much less in the last epoch"

# %% tags=["hide-input"]
Markdown(
    f"In the first epoch the loss of the model falls from "
    f"**{comparison.loc[1, 'loss at the start of the epoch']:.3f}** to "
    f"**{comparison.loc[1, 'loss at the end of the epoch']:.3f}**, and Keras reports the mean "
    f"along the way, **{comparison.loc[1, 'history (mean over batches)']:.3f}**"
    f": **{gap.loc[1]:.3f}** above the end-of-epoch loss. In epoch {EPOCHS} the model changes "
    f"less within the epoch and the gap shrinks to **{gap.loc[EPOCHS]:.4f}**: the history says "
    f"**{train_loss.loc[EPOCHS]:.4f}**, `model.evaluate` on the trained model "
    f"**{end_of_last:.4f}**."
)

# %% [markdown]
# So the history's training loss lags behind the model: it is highest relative to the true
# end-of-epoch loss early in training, when each epoch improves the model the most, and the
# lag vanishes as training settles. Keep this in mind when you compare training and test
# curves; it is also why the two are compared at the end of training, not in the first
# epochs. (The training accuracy in the history is a running mean in the same way.)

# %% [markdown]
# ## A larger learning rate
#
# The loss was still falling at the last epoch. A larger step should get further in the same
# number of updates. Here is the same model, the same initial weights and the same batches,
# with a learning rate of `LARGER_LEARNING_RATE` instead of Keras's default.

# %%
larger, larger_model = bgd.train(
    optimizer="sgd",
    learning_rate=LARGER_LEARNING_RATE,
    epochs=EPOCHS,
    seed=SEED,
    return_model=True,
)
larger_title = f"Logistic regression, SGD, learning rate {LARGER_LEARNING_RATE}"
grid = bgd.plot_history(larger, title=larger_title)

# %%
larger_table = larger.pivot_table(index="epoch", columns=["split", "metric"], values="value")
larger_end = training_loss(larger_model)
larger_loss = larger_table[("train", "loss")]
larger_accuracy = larger_table[("test", "accuracy")]
assert larger_end < end_of_last, "the larger rate ends with a lower training loss"
assert larger_accuracy.iloc[-1] > test_accuracy.iloc[-1], "and a higher test accuracy"
assert larger_loss.iloc[-1] > larger_end, "the history still lags behind the model"
larger_first_end = training_loss_after(1, learning_rate=LARGER_LEARNING_RATE)
larger_gap = larger_loss.loc[1] - larger_first_end
assert larger_gap > gap.loc[1], "a larger step changes the model more within the first epoch"
larger_first_test = larger_table.loc[1, ("test", "loss")]
assert abs(larger_first_end - larger_first_test) < larger_gap / 4, (
    "measured at the end of the epoch, training and test loss are close"
)

# %% tags=["hide-input"]
Markdown(
    f"With a learning rate of {LARGER_LEARNING_RATE} the training loss at the end of "
    f"training is **{larger_end:.3f}** instead of **{end_of_last:.3f}**, and the "
    f"final test accuracy **{100 * larger_accuracy.iloc[-1]:.1f} %** instead of "
    f"**{100 * test_accuracy.iloc[-1]:.1f} %**. The history's last training loss, "
    f"**{larger_loss.iloc[-1]:.4f}**, again lies above the end-of-training loss. In the "
    f"first epoch the model now improves so much that the history's **{larger_loss.loc[1]:.3f}**"
    f" is **{larger_gap:.3f}** above the loss at the end of that epoch, "
    f"**{larger_first_end:.3f}**, close to the test loss of **{larger_first_test:.3f}**: that "
    "is the wide gap between training and test loss at epoch 1 in the figure."
)

# %% [markdown]
# Is a larger learning rate always better, then? Not at all: too large a step overshoots the
# minimum and can make the loss explode. Lesson 4 shows why on a problem small enough to draw,
# and lesson 5 measures it on the banknotes, over many seeds.
#
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- Logistic regression is a Keras network with one neuron, `Dense(1, "
    f'activation="sigmoid")`: **{model.count_params()}** parameters for **{n_features}** '
    "features.\n"
    f"- Trained with SGD at Keras's default learning rate of {learning_rate:.2g}, batches of "
    f"{batch_size} and {EPOCHS} epochs, it reaches a test accuracy of "
    f"**{100 * test_accuracy.iloc[-1]:.1f} %**, with the loss still falling; a learning rate "
    f"of {LARGER_LEARNING_RATE} reaches **{100 * larger_accuracy.iloc[-1]:.1f} %**.\n"
    "- The training loss Keras reports for an epoch is the mean of the batch losses, each "
    "measured before its update. It runs above the loss of the model at the end of the "
    f"epoch, by **{gap.loc[1]:.3f}** in the first epoch and **{gap.loc[EPOCHS]:.4f}** in the "
    "last."
)

# %% [markdown]
# Next, we open the black box: the update rule of gradient descent, written out in a few
# lines of NumPy, reproduces what Keras just did.
#
# [Lesson 4: Gradient descent by hand](04_gradient_descent_by_hand.py)
