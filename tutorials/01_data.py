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
# - Which feature separates the two classes best, from a pair plot and from numbers.
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
bgd.plot_pairs(frame)
# %% [markdown]
# Look at the diagonal first. The two bumps of `variance` sit side by side with only a modest
# overlap, those of `skewness` overlap more, and those of `entropy` lie almost on top of each
# other. Off the diagonal, the `variance`–`skewness` panels show the two colours as two
# clouds with a narrow seam between them, where a straight line drawn in the right place
# would get most notes right. Finding such a line (or, with a hidden layer, a curve) is
# exactly what the models of the next lessons do.
#
# ## One threshold per feature
#
# How far does a single feature go on its own? The simplest classifier is one threshold:
# "genuine if `variance` is above $t$". A decision tree of depth one (a *decision stump*) finds
# the best threshold for a feature. Here it is fitted and scored on all rows: a description
# of the data, not yet a test of a model.

# %%
rows = []
for feature in FEATURES:
    stump = DecisionTreeClassifier(max_depth=1).fit(frame[[feature]], frame["class"])
    rows.append(
        {
            "feature": feature,
            "threshold": stump.tree_.threshold[0],
            "accuracy": stump.score(frame[[feature]], frame["class"]),
        }
    )
stumps = pd.DataFrame(rows).set_index("feature").sort_values("accuracy", ascending=False)
stumps.round(3)

# %% tags=["hide-input"]
best_feature = stumps.index[0]
assert best_feature == "variance" == gap.idxmax(), "variance should separate the classes best"
assert stumps["accuracy"].min() > majority_share - 1e-9, "a stump is never below the majority"
above = frame["variance"] > stumps.loc["variance", "threshold"]
entropy_correct = round(stumps.loc["entropy", "accuracy"] * len(frame))
entropy_gain = entropy_correct - counts[0]
entropy_verdict = (
    "no better than"
    if entropy_gain == 0
    else f"only {entropy_gain} note{'s' if entropy_gain > 1 else ''} more than"
)
Markdown(
    f"**`variance` separates the classes best.** Notes with a `variance` above "
    f"{stumps.loc['variance', 'threshold']:.2f} are mostly genuine "
    f"({(frame.loc[above, 'class'] == 0).mean():.0%} of them), those below mostly forged "
    f"({(frame.loc[~above, 'class'] == 1).mean():.0%}); this one threshold classifies "
    f"**{stumps.loc['variance', 'accuracy']:.1%}** of the notes correctly. The best threshold "
    f"on `skewness` reaches {stumps.loc['skewness', 'accuracy']:.1%}, on `kurtosis` "
    f"{stumps.loc['kurtosis', 'accuracy']:.1%}, and on `entropy` "
    f"{stumps.loc['entropy', 'accuracy']:.1%}, {entropy_verdict} the {counts[0]} correct "
    f"answers of always saying *genuine*. No single feature is enough; the next lesson "
    f"shows what all four together can do."
)

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
Markdown(
    f"**{len(split.y_train)} training rows** and **{len(split.y_test)} test rows** "
    f"({len(split.y_test) / len(frame):.0%} of the data). The shuffle keeps the class shares "
    f"close to those of the whole data: {1 - split.y_train.mean():.1%} of the training rows "
    f"and {1 - split.y_test.mean():.1%} of the test rows are genuine, against "
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
assert np.allclose(scales["scaled training mean"], 0, atol=1e-5), "training means should be 0"
assert np.allclose(scales["scaled training std"], 1, atol=1e-5), "training stds should be 1"
test_offset = scales["scaled test mean"].abs().max()
test_spread = (scales["scaled test std"] - 1).abs().max()
Markdown(
    f"Before scaling, the training standard deviations range from "
    f"{scales['raw training std'].min():.2f} (`{scales['raw training std'].idxmin()}`) to "
    f"{scales['raw training std'].max():.2f} (`{scales['raw training std'].idxmax()}`). After "
    f"scaling, every feature of the training rows has mean 0 and standard deviation 1. The test "
    f"rows come close but not exactly: their means are off by at most {test_offset:.3f} and "
    f"their standard deviations by at most {test_spread:.3f}, which is what new notes look "
    f"like to a scaler that has never seen them."
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
    f"- `variance` separates the classes best: one threshold on it is right for "
    f"{stumps.loc['variance', 'accuracy']:.1%} of the notes, on `entropy` it is "
    f"{entropy_verdict} always saying *genuine* ({stumps.loc['entropy', 'accuracy']:.1%}).\n"
    f"- The course trains on **{len(split.y_train)} rows** and tests on "
    f"**{len(split.y_test)}**, with the features standardised by the training rows' mean and "
    f"standard deviation."
)

# %% [markdown]
# Next: how well can standard models do on these four numbers, before any gradient descent of
# our own? [Lesson 2: Baselines](02_baselines.py)
