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
# # Baselines
#
# **Before any gradient descent of our own: how well can standard models tell genuine
# banknotes from forged ones?**
#
# **What you will learn**
#
# - The floor: the accuracy of a model that always gives the same answer.
# - The ceiling: what a logistic regression and a random forest from scikit-learn reach,
#   measured with cross-validation and on the course's test rows.
# - Why a scaler belongs *inside* the cross-validation, and how much it matters here.
# - Which test accuracy a gradient-descent model of the next lessons should aim for.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown
from matplotlib.ticker import PercentFormatter
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale

import banknote_gd as bgd

bgd.set_style()

N_FOLDS = 3
N_REPEATS = 10
RANDOM_STATE = 0
COURSE_FOREST_ACCURACY = 0.993  # what the original course reports for its random forest
ZOOM_FROM = 0.97  # left edge of the zoomed-in panel of the figure

# %% [markdown]
# ## The data and the models
#
# `load_banknotes(return_X_y=True)` gives the four features and the class of all rows;
# `split_data(standardize=False)` gives the course's training and test rows, unscaled, so that
# every model below does its own scaling.

# %%
X, y = bgd.load_banknotes(return_X_y=True)
split = bgd.split_data(standardize=False)

# %% [markdown]
# Four models, from the dumbest to a strong one. Each is a scikit-learn `Pipeline`: a
# `StandardScaler` followed by the classifier, so that the scaler is fitted on whatever rows
# the model is trained on, and only those.
#
# - **Majority class**: `DummyClassifier` ignores the features and always predicts the class
#   that is most frequent in its training rows: *genuine*.
# - **Logistic regression**: a weighted sum of the four features, squashed by the sigmoid
#   $\sigma(z) = 1 / (1 + e^{-z})$ into a probability of *forged*. scikit-learn's default
#   also penalises large weights (`C=1`).
# - **Logistic regression, no penalty** (`C=np.inf`): the same model fitted without the
#   penalty. This is exactly the model the next lessons train with gradient descent: one
#   `Dense(1, activation="sigmoid")` layer and the binary cross-entropy loss, no penalty.
# - **Random forest**: many decision trees, each grown on a random resample of the rows,
#   voting. It can draw boundaries that no straight line can. A tree compares one feature at
#   a time with a threshold, so rescaling a feature only moves the thresholds with it: the
#   scaler changes nothing for a forest and is in its pipeline only to keep the models alike.

# %%
models = {
    "majority class": make_pipeline(StandardScaler(), DummyClassifier(strategy="most_frequent")),
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression()),
    "logistic regression, no penalty": make_pipeline(
        StandardScaler(), LogisticRegression(C=np.inf)
    ),
    "random forest": make_pipeline(
        StandardScaler(), RandomForestClassifier(random_state=RANDOM_STATE)
    ),
}

# %% [markdown]
# ## Cross-validation
#
# One train/test split gives one number, and with a few hundred test rows that number depends
# on which rows happened to be drawn. *$k$-fold cross-validation* uses every
# row for testing once: the rows are cut into $k$ parts (*folds*), the model is trained on
# $k-1$ of them and scored on the remaining one, $k$ times over. *Stratified* folds keep the
# share of genuine notes the same in every fold. We use `N_FOLDS = 3` folds, as the original
# course did, and repeat the whole thing with differently shuffled folds, to see how much
# the estimate itself moves.

# %%
cv = RepeatedStratifiedKFold(n_splits=N_FOLDS, n_repeats=N_REPEATS, random_state=RANDOM_STATE)
fold_scores = {name: cross_val_score(model, X, y, cv=cv) for name, model in models.items()}

# one row per model and repeat: the mean accuracy over that repeat's folds
repeats = pd.DataFrame(
    [
        {"model": name, "repeat": repeat, "accuracy": accuracy}
        for name, scores in fold_scores.items()
        for repeat, accuracy in enumerate(scores.reshape(N_REPEATS, N_FOLDS).mean(axis=1))
    ]
)
cross_validated = repeats.groupby("model", sort=False)["accuracy"].agg(["mean", "min", "max"])
cross_validated["misclassified notes"] = (1 - cross_validated["mean"]) * len(y)
cross_validated.round({"mean": 4, "min": 4, "max": 4, "misclassified notes": 1})

# %% [markdown]
# `mean` is the cross-validated accuracy; `min` and `max` are the lowest and highest of the
# repeats, so they show how much the estimate depends on how the folds were drawn.
# `misclassified notes` counts, on average over the repeats, how many notes end up on the
# wrong side when each one is predicted by a model that did not see it.

# %% tags=["hide-input"]
forest = cross_validated.loc["random forest"]
majority_share = (y == 0).mean()
within = forest["min"] <= COURSE_FOREST_ACCURACY <= forest["max"]
Markdown(
    f"The **random forest** reaches **{forest['mean']:.2%}** (repeats from "
    f"{forest['min']:.2%} to {forest['max']:.2%}). The original course reports about "
    f"{COURSE_FOREST_ACCURACY:.1%}; the difference, "
    f"{abs(forest['mean'] - COURSE_FOREST_ACCURACY):.2%} or about "
    f"{abs(forest['mean'] - COURSE_FOREST_ACCURACY) * len(y):.0f} of {len(y):,} notes, is "
    + (
        "inside the spread between our repeats: we reproduce it."
        if within
        else "outside the spread between our repeats, so the course's number is not reproduced."
    )
    + f" The **majority class** is right for {cross_validated.loc['majority class', 'mean']:.2%}"
    f" of the notes, the share of genuine notes ({(y == 0).sum()}/{len(y)} = "
    f"{majority_share:.2%}). The **logistic regression** reaches "
    f"{cross_validated.loc['logistic regression', 'mean']:.2%}, and without the penalty "
    f"{cross_validated.loc['logistic regression, no penalty', 'mean']:.2%}."
)

# %% [markdown]
# ## On the course's split
#
# The next lessons report accuracy on the course's fixed split: trained on the training rows,
# scored on the test rows. The same four models, once each:

# %%
test_accuracy = pd.Series(
    {
        name: clone(model).fit(split.X_train, split.y_train).score(split.X_test, split.y_test)
        for name, model in models.items()
    },
    name="test accuracy",
)
on_split = test_accuracy.to_frame()
on_split["misclassified test notes"] = ((1 - test_accuracy) * len(split.y_test)).round()
on_split.round(4)

# %% [markdown]
# The figure puts both measurements side by side: one dot per repeat of the
# cross-validation, and the accuracy on the course's test rows.

# %%
measured = pd.concat(
    [
        repeats.assign(measurement=f"{N_FOLDS}-fold cross-validation, one dot per repeat"),
        test_accuracy.rename_axis("model")
        .reset_index(name="accuracy")
        .assign(measurement="course's split, test rows"),
    ]
)
trained = measured[measured["model"] != "majority class"]
assert trained["accuracy"].min() > ZOOM_FROM, "a trained model falls outside the zoomed panel"
with sns.axes_style("whitegrid"):
    figure, (full_axes, zoom_axes) = plt.subplots(
        1, 2, figsize=(9.5, 4.2), sharey=True, gridspec_kw={"width_ratios": [1, 1.6]}
    )
    for axes, low in ((full_axes, 0.5), (zoom_axes, ZOOM_FROM)):
        sns.stripplot(
            data=measured,
            x="accuracy",
            y="model",
            hue="measurement",
            dodge=True,
            jitter=0.12,
            size=6,
            alpha=0.7,
            palette="colorblind",
            ax=axes,
            legend=axes is full_axes,
        )
        axes.set_xlim(low, 1.0)
        axes.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0 if low == 0.5 else 1))
        axes.set_xlabel("accuracy")
        axes.set_ylabel("")
    forest_row = list(models).index("random forest")
    zoom_axes.scatter(
        [COURSE_FOREST_ACCURACY],
        [forest_row - 0.2],
        marker="x",
        s=80,
        color="black",
        zorder=3,
        label="random forest, as the original course reports it",
    )
    full_axes.set_title("all models")
    zoom_axes.set_title("zoomed in (the majority class is off the scale)")
    handles, labels = full_axes.get_legend_handles_labels()
    handles.append(zoom_axes.get_legend_handles_labels()[0][-1])
    labels.append(zoom_axes.get_legend_handles_labels()[1][-1])
    full_axes.get_legend().remove()
    figure.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize="small")
    figure.suptitle("How well the baselines tell genuine from forged notes")
    figure.tight_layout(rect=(0, 0.08, 1, 1))

# %% [markdown]
# ## The leak: scaling before splitting
#
# The original course standardised all rows at once, `X = scale(X)`, and only then split them
# or cross-validated. The mean and standard deviation used for scaling then come partly from
# the rows the model is tested on: the test rows leak into training. The `Pipeline` above
# avoids that, fitting the scaler anew on each training fold. Here are both for the two
# logistic regressions, with the same folds:

# %%
all_rows_scaled = scale(X)  # the original course's way: all rows, test rows included
LINEAR_MODELS = ("logistic regression", "logistic regression, no penalty")
leaky_scores = {
    name: cross_val_score(clone(models[name][-1]), all_rows_scaled, y, cv=cv)
    for name in LINEAR_MODELS
}
leak = pd.DataFrame(
    {
        "scaler inside the pipeline": {name: fold_scores[name].mean() for name in leaky_scores},
        "scale() on all rows first": {name: scores.mean() for name, scores in leaky_scores.items()},
    }
)
leak["difference"] = leak["scale() on all rows first"] - leak["scaler inside the pipeline"]
leak.round(4).replace(-0.0, 0.0)

# %% [markdown]
# The forest is left out of the table: a tree compares one feature at a time with a threshold,
# and rescaling a feature moves its thresholds with it, so the forest's predictions cannot
# depend on which rows the scaler was fitted on. Rather than take that on trust, the next cell
# fits the forest both ways on the first repeat's folds: its accuracy must be the same, fold by
# fold.

# %%
first_repeat = list(cv.split(X, y))[:N_FOLDS]
leaky_forest = cross_val_score(
    clone(models["random forest"][-1]), all_rows_scaled, y, cv=first_repeat
)
pd.DataFrame(
    {
        "scaler inside the pipeline": fold_scores["random forest"][:N_FOLDS],
        "scale() on all rows first": leaky_forest,
    },
    index=pd.RangeIndex(1, N_FOLDS + 1, name="fold of the first repeat"),
).round(4)

# %% tags=["hide-input"]
assert np.array_equal(leaky_forest, fold_scores["random forest"][:N_FOLDS]), (
    "scaling should change nothing for a forest"
)
largest_leak = leak["difference"].abs().max()
assert largest_leak < 0.005, "the leak was expected to change little on this data"
same_in_every_fold = all(
    np.array_equal(scores, fold_scores[name]) for name, scores in leaky_scores.items()
)
# how far each training fold's scaler is from the scaler fitted on all rows, in standard deviations
mean_shift = max(
    np.abs((X.iloc[train].mean() - X.mean()) / X.std(ddof=0)).max() for train, _ in cv.split(X, y)
)
training_rows_per_fold = len(y) * (N_FOLDS - 1) // N_FOLDS
effect = (
    f"does not change the logistic regressions' accuracy at all here: each scores the same in "
    f"each of the {N_FOLDS * N_REPEATS} folds"
    if same_in_every_fold
    else f"changes the logistic regressions' cross-validated accuracy by at most "
    f"{largest_leak:.2%} here ({largest_leak * len(y):.1f} of {len(y):,} notes)"
)
Markdown(
    f"Scaling all rows first {effect}, and the forest's accuracy is the same with either "
    f"scaling in each of the first repeat's {N_FOLDS} folds. The leak is real but small: with "
    f"about {training_rows_per_fold} training rows per fold, the mean a training fold gives each "
    f"feature is at most {mean_shift:.3f} standard deviations away from the mean of all rows. "
    f"It is still the wrong habit: the test rows' "
    f"statistics have leaked into training, so the score no longer measures what it claims, "
    f"how the model does on notes it has never seen. On smaller data, or with preprocessing "
    f"that learns more from the rows than a mean and a spread, the leak can matter."
)

# %% [markdown]
# ## Conclusion

# %% tags=["hide-input"]
linear = test_accuracy["logistic regression, no penalty"]
best = bgd.optimum(split)  # Newton's method on the same model, to its minimal training loss
assert abs(linear - best.test_accuracy) < 0.5 / len(split.y_test), "the same weights' verdicts"
linear_se = np.sqrt(linear * (1 - linear) / len(split.y_test))
mistake_gap = (
    on_split.loc["logistic regression, no penalty", "misclassified test notes"]
    - on_split.loc["random forest", "misclassified test notes"]
)
# two standard errors of a difference between two such accuracies, in notes
assert abs(mistake_gap) < 2 * np.sqrt(2) * linear_se * len(split.y_test), "a real difference"
Markdown(
    f"- **Floor:** always answering *genuine* is right for {majority_share:.1%} of the notes "
    f"({test_accuracy['majority class']:.1%} of the course's test rows).\n"
    f"- **Random forest:** {forest['mean']:.2%} cross-validated, against the "
    f"{COURSE_FOREST_ACCURACY:.1%} the course reports; "
    f"{test_accuracy['random forest']:.1%} on the course's test rows "
    f"({on_split.loc['random forest', 'misclassified test notes']:.0f} of "
    f"{len(split.y_test)} notes wrong).\n"
    f"- **Logistic regression without penalty**, the very model of the next lessons: "
    f"{cross_validated.loc['logistic regression, no penalty', 'mean']:.2%} cross-validated, "
    f"**{linear:.1%}** on the course's test rows "
    f"({on_split.loc['logistic regression, no penalty', 'misclassified test notes']:.0f} "
    f"wrong).\n"
    f"- Scaling all rows before splitting "
    + (
        "changes no model's accuracy in any fold checked here"
        if same_in_every_fold
        else f"changes the accuracy by at most {largest_leak:.2%} here"
    )
    + ", but it lets the test rows leak into training: fit the scaler on the training rows.\n\n"
    f"So a gradient-descent model with a single sigmoid unit has done its job when it "
    f"reaches about **{linear:.1%}** on the course's {len(split.y_test)} test rows: that is "
    f"what the weights that minimise that model's training loss achieve (`bgd.optimum` finds "
    f"them with Newton's method, at a training loss of $L^*$ = {best.loss:.4f}, and they "
    f"score {best.test_accuracy:.1%} too). Anything near "
    f"{majority_share:.0%} means it has learned nothing. Small differences are chance: on "
    f"{len(split.y_test)} test rows, an accuracy near {linear:.1%} is uncertain by "
    f"{100 * linear_se:.2f} percentage points, about {linear_se * len(split.y_test):.0f} notes "
    f"(one standard error), "
    f"so the forest's {on_split.loc['random forest', 'misclassified test notes']:.0f} "
    f"mistakes against the linear model's "
    f"{on_split.loc['logistic regression, no penalty', 'misclassified test notes']:.0f} do "
    f"not tell the two apart."
)
