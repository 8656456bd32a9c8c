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
# # The data
#
# **Four numbers per banknote, genuine or forged: the data every lesson of this course
# learns from.**
#
# **What you will learn**
#
# - Where the banknote data come from and what its four features measure.
# - How many notes are genuine and how many forged, and why that matters for accuracy.
# - That some rows are exact repeats, and why that matters a little for a test set.
# - Which feature separates the two classes best, from a pair plot, from numbers and from
#   one threshold tested on notes it has not seen.
# - How the course splits the rows into training and test rows, and standardises the
#   features without peeking at the test rows.

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import banknote_gd as bgd

bgd.set_style()

FEATURES = list(bgd.FEATURES)
CLASS_NAMES = {0: "genuine", 1: "forged"}
TEST_SIZE = 0.3  # the course's split: the defaults of bgd.split_data
RANDOM_STATE = 42

# %% [markdown]
# ## Where the data come from
#
# The data were collected to test an automatic way of telling genuine banknotes from
# forgeries. Genuine and forged banknote-like specimens were photographed in grey scale with an
# industrial camera of the kind used for print inspection. Each image was then passed through
# a *wavelet transform*, which splits an image into fine and coarse detail, and four summary
# statistics were kept per note:
#
# | column | what UCI says it is |
# | ------ | ------------------- |
# | `variance` | variance of the wavelet-transformed image: how spread out its values are |
# | `skewness` | skewness of the wavelet-transformed image: how lopsided their distribution is |
# | `kurtosis` | kurtosis (UCI: "curtosis") of the wavelet-transformed image: how heavy-tailed |
# | `entropy` | entropy of the image: how unpredictable its grey values are |
#
# A model never sees the photographs, only these four numbers, plus the label `class`:
# 0 for a genuine note and 1 for a forgery.
#
# **Source and licence.** Lohweg, V. (2012). *Banknote Authentication.* UCI Machine
# Learning Repository. <https://doi.org/10.24432/C55P57>. Licensed under
# [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/).
#
# The package downloads the file once, checks its checksum and returns it as a pandas frame:

# %%
frame = bgd.load_banknotes()
frame.head()

# %% tags=["hide-input"]
negative = (frame[FEATURES] < 0).mean()
Markdown(
    f"The frame has **{len(frame):,} rows**, one per banknote, and {frame.shape[1]} columns: "
    f"the {len(FEATURES)} features and the class. The features are not the raw statistics: "
    f"**{negative['variance']:.0%}** of the `variance` values and "
    f"**{negative['entropy']:.0%}** of the `entropy` values are negative, which a variance "
    f"or an entropy cannot be, so the values were shifted or rescaled before publication "
    f"(UCI does not say how). For us they are simply four continuous numbers per note."
)

# %% [markdown]
# ## Genuine and forged: the class balance
#
# Counting the labels tells us how often each answer is right:

# %%
counts = frame["class"].value_counts().sort_index()
balance = pd.DataFrame(
    {"notes": counts.to_numpy(), "share": counts.to_numpy() / len(frame)},
    index=pd.Index([f"{CLASS_NAMES[c]} ({c})" for c in counts.index], name="class"),
)
balance.round(3)

# %% tags=["hide-input"]
majority_share = counts.max() / len(frame)
Markdown(
    f"**{counts[0]:,} notes are genuine** (class 0) and **{counts[1]:,} are forged** "
    f'(class 1). The classes are not far from balanced, but not exactly: a "model" that '
    f"answers *genuine* for every note is already right on {counts[0]:,} of "
    f"{len(frame):,} notes, an accuracy of **{majority_share:.1%}**. Any trained model has to "
    f"beat that number before its accuracy means anything; the next lesson makes it the "
    f"first baseline."
)

# %% [markdown]
# ## Duplicated rows
#
# `DataFrame.duplicated` marks every row that repeats an earlier row exactly, in all five
# columns:

# %%
duplicated = frame.duplicated()
repeated_rows = frame[frame.duplicated(keep=False)].sort_values(FEATURES)
repeated_rows.head(6)

# %% tags=["hide-input"]
duplicate_classes = frame.loc[duplicated, "class"].value_counts()
feature_duplicates = frame.duplicated(subset=FEATURES).sum()
assert feature_duplicates == duplicated.sum(), "a feature row repeats with another class"
copies = frame.groupby(FEATURES).size()
Markdown(
    f"**{duplicated.sum()} rows** are exact repeats of an earlier row "
    f"({duplicated.mean():.1%} of the data); all of them are "
    f"{', '.join(CLASS_NAMES[c] for c in duplicate_classes.index)} notes, and no set of "
    f"four feature values appears with both labels. "
    f"{(copies > 1).sum()} distinct notes occur more than once, at most "
    f"{copies.max()} times each."
)

# %% [markdown]
# So few repeats give a handful of notes only a little extra weight in training. They matter
# a little when we hold rows out for testing: if one copy of a note lands among the training
# rows and another among the test rows, the model is tested on a note it has already seen,
# and the test accuracy is a touch optimistic. We keep the rows, as the course always has,
# and count below how many test rows this affects.
#
# ## The two classes, feature by feature
#
# The mean and standard deviation of each feature, per class. The last column divides the gap
# between the class means by the overall standard deviation of the feature: the larger it is,
# the less the two classes overlap on that feature alone.

# %%
means = frame.groupby("class")[FEATURES].mean()
stds = frame.groupby("class")[FEATURES].std()
by_class = pd.DataFrame(
    {
        "genuine mean": means.loc[0],
        "forged mean": means.loc[1],
        "genuine std": stds.loc[0],
        "forged std": stds.loc[1],
    }
)
by_class["gap in standard deviations"] = (
    by_class["genuine mean"] - by_class["forged mean"]
).abs() / frame[FEATURES].std()
by_class.round(2)

# %% tags=["hide-input"]
gap = by_class["gap in standard deviations"]
Markdown(
    f"Genuine notes have a much larger `variance` on average "
    f"({by_class.loc['variance', 'genuine mean']:.2f} against "
    f"{by_class.loc['variance', 'forged mean']:.2f}): the class means lie "
    f"**{gap['variance']:.2f}** standard deviations apart. `skewness` comes next "
    f"({gap['skewness']:.2f}), then `kurtosis` ({gap['kurtosis']:.2f}); on `entropy` the two "
    f"classes are almost identical ({gap['entropy']:.2f})."
)

# %% [markdown]
# ## The pair plot
#
# A table of means hides the shape of the clouds. The pair plot draws every pair of features
# against each other, one point per note, coloured by class; the diagonal shows each feature's
# distribution per class.

# %%
grid = bgd.plot_pairs(frame)

# %% [markdown]
# Look at the diagonal first. The two bumps of `variance` sit side by side with only a modest
# overlap, those of `skewness` overlap more, and those of `entropy` lie almost on top of each
# other. Off the diagonal, the `variance`–`skewness` panels show the two colours as two
# clouds with a narrow seam between them, where a straight line drawn in the right place
# would get most notes right. Finding such a line (or, with a hidden layer, a curve) is
# exactly what the models of the next lessons do.


# %% [markdown]
# ## The course's split: training and test rows
#
# To measure how well a model does on notes it has *not* learned from, the course holds out
# a fixed share of the rows as test rows. `bgd.split_data` shuffles the rows with a fixed
# seed and splits them with scikit-learn's `train_test_split`; every later lesson uses this
# split.

# %%
split = bgd.split_data(frame, test_size=TEST_SIZE, random_state=RANDOM_STATE)
split

# %% tags=["hide-input"]
assert frame["class"].is_monotonic_increasing, "the file lists the genuine notes first"
unshuffled_train, unshuffled_test = train_test_split(
    frame.index, test_size=TEST_SIZE, shuffle=False
)
unshuffled_forged = frame.loc[unshuffled_test, "class"].mean()
Markdown(
    f"**{len(split.y_train)} training rows** and **{len(split.y_test)} test rows** "
    f"({len(split.y_test) / len(frame):.0%} of the data). The shuffle matters here: the file "
    f"lists all {counts[0]} genuine notes first and the {counts[1]} forged ones after them, "
    f"so the last {len(unshuffled_test)} rows, taken without shuffling, would be "
    f"{unshuffled_forged:.0%} forged notes. Shuffled, the class shares stay close to those of "
    f"the whole data: {1 - split.y_train.mean():.1%} of the training rows and "
    f"{1 - split.y_test.mean():.1%} of the test rows are genuine, against "
    f"{majority_share:.1%} overall."
)

# %% [markdown]
# Which notes ended up on which side? The same `train_test_split` call on the row numbers
# gives the row indices; the first line checks that they really are the rows `split_data`
# returned. With them we can count the duplicates that landed on both sides.

# %%
train_rows, test_rows = train_test_split(
    frame.index, test_size=TEST_SIZE, random_state=RANDOM_STATE
)
scaler_check = StandardScaler().fit(frame.loc[train_rows, FEATURES])
assert np.allclose(
    scaler_check.transform(frame.loc[test_rows, FEATURES]), split.X_test, atol=1e-5
), "the row indices do not match bgd.split_data"

training_notes = set(frame.loc[train_rows].itertuples(index=False))
seen_in_training = np.array(
    [note in training_notes for note in frame.loc[test_rows].itertuples(index=False)]
)

# %% tags=["hide-input"]
Markdown(
    f"**{seen_in_training.sum()} of the {len(test_rows)} test rows** "
    f"({seen_in_training.mean():.1%}) have an exact copy among the training rows. A model "
    f"could at most gain those {seen_in_training.sum()} notes by memorising rather than "
    f"generalising, a bound of {seen_in_training.mean():.1%} on how optimistic the test "
    f"accuracy can be."
)

# %% [markdown]
# ## One threshold per feature
#
# How far does a single feature go on its own? The simplest classifier is one threshold:
# "genuine if `variance` is above $t$". A decision tree of depth one (a *decision stump*) finds
# the best threshold for a feature on the rows it is given. We fit one stump per feature on
# the training rows and score it on the test rows, which it has not seen.

# %%
train_labels, test_labels = frame.loc[train_rows, "class"], frame.loc[test_rows, "class"]
rows = []
for feature in FEATURES:
    stump = DecisionTreeClassifier(max_depth=1).fit(frame.loc[train_rows, [feature]], train_labels)
    rows.append(
        {
            "feature": feature,
            "threshold": stump.tree_.threshold[0],
            "training accuracy": stump.score(frame.loc[train_rows, [feature]], train_labels),
            "test accuracy": stump.score(frame.loc[test_rows, [feature]], test_labels),
        }
    )
stumps = pd.DataFrame(rows).set_index("feature").sort_values("test accuracy", ascending=False)
stumps.round(3)

# %% tags=["hide-input"]
n_test = len(test_rows)
test_majority = (test_labels == 0).mean()
# one standard error of an accuracy measured on n_test notes, at the majority share
chance_se = np.sqrt(test_majority * (1 - test_majority) / n_test)
margin = (stumps["test accuracy"] - test_majority) / chance_se
stump_se = np.sqrt(stumps["test accuracy"] * (1 - stumps["test accuracy"]) / n_test)
overfit = (stumps["training accuracy"] - stumps["test accuracy"]) / stump_se
assert stumps.index[0] == "variance" == gap.idxmax(), "variance should separate the classes best"
assert margin["variance"] > 3, "the variance threshold should carry over to the test rows"
assert overfit.abs().max() < 2, "a stump should score alike on training and test rows"
above = frame.loc[test_rows, "variance"] > stumps.loc["variance", "threshold"]
entropy_gain = round((stumps.loc["entropy", "test accuracy"] - test_majority) * n_test)
entropy_verdict = (
    "exactly as good as"
    if entropy_gain == 0
    else f"{abs(entropy_gain)} note{'s' if abs(entropy_gain) > 1 else ''} "
    + ("more than" if entropy_gain > 0 else "fewer than")
)
Markdown(
    f"**`variance` separates the classes best.** Its threshold, learned on the training rows, "
    f"is {stumps.loc['variance', 'threshold']:.2f}: test notes with a `variance` above it are "
    f"mostly genuine ({(test_labels[above] == 0).mean():.0%} of them), those below mostly "
    f"forged ({(test_labels[~above] == 1).mean():.0%}). This one threshold classifies "
    f"**{stumps.loc['variance', 'test accuracy']:.1%}** of the test notes correctly, against "
    f"{test_majority:.1%} for always saying *genuine*: {margin['variance']:.0f} standard "
    f"errors better (an accuracy measured on {n_test} notes is uncertain by about "
    f"{100 * chance_se:.1f} percentage points, one standard error). The best threshold on "
    f"`skewness` reaches "
    f"{stumps.loc['skewness', 'test accuracy']:.1%}, on `kurtosis` "
    f"{stumps.loc['kurtosis', 'test accuracy']:.1%} ({margin['kurtosis']:.1f} standard errors "
    f"above always saying *genuine*), and on `entropy` "
    f"{stumps.loc['entropy', 'test accuracy']:.1%}, {entropy_verdict} always saying *genuine*. "
    f"A stump learns a single number, so it cannot memorise: each one scores within "
    f"{overfit.abs().max():.1f} standard errors of its training accuracy on the test rows. "
    f"No single feature is enough; the next lesson shows what all four together can do."
)

# %% [markdown]
# ## Standardisation
#
# The features live on different scales: `skewness` spreads over a much wider range than
# `entropy`. Gradient descent moves every weight with the same learning rate, so a feature
# with a large spread gets large gradients and one with a small spread small ones, and no
# single learning rate suits both. The cure is to *standardise* each feature,
# subtracting its mean $\mu$ and dividing by its standard deviation $\sigma$:
#
# $$z = \frac{x - \mu_{\text{train}}}{\sigma_{\text{train}}}$$
#
# Both $\mu$ and $\sigma$ are computed **on the training rows only**, and then applied
# unchanged to the test rows, as if the test notes arrived later, one by one. Using all rows
# would let the test rows' statistics leak into training ([Lesson 2](02_baselines.py) shows
# how much that changes here). `split_data` does this by default (`standardize=True`); the
# table compares the raw training rows with the standardised training and test rows.

# %%
raw = bgd.split_data(frame, test_size=TEST_SIZE, random_state=RANDOM_STATE, standardize=False)
scales = pd.DataFrame(
    {
        "raw training mean": raw.X_train.mean(axis=0),
        "raw training std": raw.X_train.std(axis=0),
        "scaled training mean": split.X_train.mean(axis=0),
        "scaled training std": split.X_train.std(axis=0),
        "scaled test mean": split.X_test.mean(axis=0),
        "scaled test std": split.X_test.std(axis=0),
    },
    index=split.feature_names,
)
scales.round(3).replace(-0.0, 0.0)

# %% tags=["hide-input"]
test_offset = scales["scaled test mean"].abs().max()
test_spread = (scales["scaled test std"] - 1).abs().max()
# the mean of n_test rows drawn at random, minus the mean of the other rows, varies by this
# many standard deviations (one standard error)
offset_se = np.sqrt(1 / len(split.y_test) + 1 / len(split.y_train))
unshuffled_scaler = StandardScaler().fit(frame.loc[unshuffled_train, FEATURES])
unshuffled_offset = np.abs(
    unshuffled_scaler.transform(frame.loc[unshuffled_test, FEATURES]).mean(axis=0)
).max()
assert test_offset < 2 * offset_se, "the test rows should look like a random draw"
Markdown(
    f"Before scaling, the training standard deviations range from "
    f"{scales['raw training std'].min():.2f} (`{scales['raw training std'].idxmin()}`) to "
    f"{scales['raw training std'].max():.2f} (`{scales['raw training std'].idxmax()}`). After "
    f"scaling, every feature of the training rows has mean 0 and standard deviation 1, by "
    f"construction. The test rows come close but not exactly: their means are off by at most "
    f"**{test_offset:.3f}** standard deviations and their standard deviations by at most "
    f"{test_spread:.3f}. That is what new notes look like to a scaler that has never seen "
    f"them: the mean of {len(split.y_test)} notes drawn at random differs from the mean of the "
    f"other {len(split.y_train)} by about $\\sqrt{{1/{len(split.y_test)} + "
    f"1/{len(split.y_train)}}}$ = **{offset_se:.3f}** standard deviations (one standard "
    f"error). Split without shuffling, the test means would be off by up to "
    f"{unshuffled_offset:.2f}, {unshuffled_offset / offset_se:.0f} standard errors."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
Markdown(
    f"- The data: **{len(frame):,} banknotes**, four image statistics each; "
    f"**{counts[0]}** genuine and **{counts[1]}** forged, so always answering *genuine* is "
    f"right {majority_share:.1%} of the time.\n"
    f"- **{duplicated.sum()} rows** repeat an earlier row exactly; "
    f"{seen_in_training.sum()} test rows of the course's split have a copy among the training "
    f"rows.\n"
    f"- `variance` separates the classes best: one threshold on it, learned on the training "
    f"rows, is right for {stumps.loc['variance', 'test accuracy']:.1%} of the test notes; one "
    f"on `entropy` is {entropy_verdict} always saying *genuine* "
    f"({stumps.loc['entropy', 'test accuracy']:.1%}).\n"
    f"- The course trains on **{len(split.y_train)} rows** and tests on "
    f"**{len(split.y_test)}**, with the features standardised by the training rows' mean and "
    f"standard deviation."
)
