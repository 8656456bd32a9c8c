"""The hyper-parameters a sweep may vary, declared once.

:data:`PARAMETER_TABLE` is the single source of truth: the configuration columns of every
frame (:data:`banknote_gd.CONFIG_COLUMNS`) and their dtypes, the keywords of
:func:`banknote_gd.train` and :func:`banknote_gd.sweep`, the ``PARAMETER=VALUES`` options of
the command line, the axis and legend labels of the plots, the result-cache key and the
grouping of runs for the vectorised engine are all derived from it.

===================  ============  ===========================================================
name                 default       meaning
===================  ============  ===========================================================
``optimizer``        ``"sgd"``     registry name (:func:`banknote_gd.available_optimizers`)
``learning_rate``    ``None``      initial (peak) rate; ``None``: the optimizer's default
``batch_size``       ``32``        examples per update, 1 to the number of training rows
``schedule``         ``constant``  registry name (:func:`banknote_gd.available_schedules`)
``hidden_units``     ``0``         0: logistic regression; else one hidden ReLU layer
``standardize``      ``True``      standardise with the training rows' mean and spread
``validation_size``  ``0.0``       fraction of the training rows held out for validation
``split_seed``       ``42``        ``random_state`` of the train/test and validation split
``epochs``           ``10``        passes over the training rows
===================  ============  ===========================================================
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._checks import check_bool, check_choice, check_int, check_positive_float
from .optimizers import OPTIMIZERS, get_spec
from .schedules import SCHEDULES

__all__ = [
    "PARAMETERS",
    "PARAMETER_TABLE",
    "Parameter",
    "check_names",
    "check_validation_size",
    "parameter_labels",
    "resolve_config",
]


def check_validation_size(value: Any, name: str = "validation_size") -> float:
    """Return ``value`` as a float in ``[0, 1)`` or raise naming ``name``.

    Examples
    --------
    >>> check_validation_size(0.2)
    0.2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a fraction in [0, 1), got {value!r} ({type(value).__name__})."
        )
    value = float(value)
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be a fraction with 0 <= {name} < 1, got {value!r}.")
    return value


def _optional_rate(value: Any) -> float | None:
    return None if value is None else check_positive_float("learning_rate", value)


@dataclass(frozen=True)
class Parameter:
    """One hyper-parameter of the table.

    Attributes
    ----------
    name
        Keyword, grid key, frame column and command-line name.
    default
        Value when none is given (``learning_rate``: ``None``, the optimizer's default).
    type
        Python type of a value (``str``, ``float``, ``int`` or ``bool``); the command line
        parses text with it.
    dtype
        pandas dtype of the frame column.
    label
        Words for axis and legend titles.
    help
        One line for ``--help`` and listings.
    check
        Validates one value and returns it normalised; raises naming the parameter.
    per_member
        True if members of one vectorised group may differ in it (their own learning-rate
        table); False if a group shares it (it fixes the data, the shapes or the update rule).
    """

    name: str
    default: Any
    type: type
    dtype: str
    label: str
    help: str
    check: Callable[[Any], Any]
    per_member: bool = False

    def parse(self, text: str) -> Any:
        """Turn command-line text into a value of :attr:`type` (not yet checked).

        Examples
        --------
        >>> PARAMETER_TABLE["standardize"].parse("no"), PARAMETER_TABLE["batch_size"].parse("16")
        (False, 16)
        """
        if self.type is bool:
            lowered = text.strip().lower()
            if lowered in ("true", "yes", "1", "on"):
                return True
            if lowered in ("false", "no", "0", "off"):
                return False
            raise ValueError(f"expected true or false, got {text!r}")
        return self.type(text.strip())


PARAMETER_TABLE: dict[str, Parameter] = {
    p.name: p
    for p in (
        Parameter(
            "optimizer",
            "sgd",
            str,
            "object",
            "optimizer",
            "optimizer name (see `banknote-gd options`)",
            lambda v: check_choice("optimizer", v, OPTIMIZERS),
        ),
        Parameter(
            "learning_rate",
            None,
            float,
            "float64",
            "learning rate",
            "initial (peak) learning rate, > 0 (default: the optimizer's)",
            _optional_rate,
            per_member=True,
        ),
        Parameter(
            "batch_size",
            32,
            int,
            "int64",
            "batch size",
            "examples per update, 1 to the number of training rows",
            lambda v: check_int("batch_size", v, minimum=1),
        ),
        Parameter(
            "schedule",
            "constant",
            str,
            "object",
            "schedule",
            "learning-rate schedule name (see `banknote-gd options`)",
            lambda v: check_choice("schedule", v, SCHEDULES),
            per_member=True,
        ),
        Parameter(
            "hidden_units",
            0,
            int,
            "int64",
            "hidden units",
            "0 for logistic regression, else units of one hidden ReLU layer",
            lambda v: check_int("hidden_units", v, minimum=0),
        ),
        Parameter(
            "standardize",
            True,
            bool,
            "bool",
            "standardised features",
            "standardise the features with the training rows' statistics",
            lambda v: check_bool("standardize", v),
        ),
        Parameter(
            "validation_size",
            0.0,
            float,
            "float64",
            "validation fraction",
            "fraction of the training rows held out (stratified) for validation, 0 <= v < 1",
            check_validation_size,
        ),
        Parameter(
            "split_seed",
            42,
            int,
            "int64",
            "split seed",
            "random_state of the train/test split (and of the validation carve-out)",
            lambda v: check_int("split_seed", v, minimum=0),
        ),
        Parameter(
            "epochs",
            10,
            int,
            "int64",
            "epochs",
            "passes over the training rows, >= 1",
            lambda v: check_int("epochs", v, minimum=1),
        ),
    )
}
"""Every hyper-parameter a grid may vary, in frame-column order."""

PARAMETERS: dict[str, Any] = {name: p.default for name, p in PARAMETER_TABLE.items()}
"""The hyper-parameters with their defaults (``learning_rate=None`` means the optimizer's
default: 0.01 for the SGD family, 0.001 for the others)."""

DATA_PARAMETERS: tuple[str, ...] = ("standardize", "validation_size", "split_seed")
"""The parameters that define the data a run sees (its :class:`banknote_gd.Split`)."""


def parameter_labels() -> dict[str, str]:
    """``{name: label}`` for axis and legend titles.

    Examples
    --------
    >>> parameter_labels()["learning_rate"]
    'learning rate'
    """
    return {name: p.label for name, p in PARAMETER_TABLE.items()}


def check_names(names: Any, where: str = "") -> None:
    """Raise a ``ValueError`` naming any name that is not in the table."""
    unknown = sorted(set(names) - set(PARAMETER_TABLE))
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {unknown}{where}; allowed: {', '.join(PARAMETER_TABLE)}."
        )


def resolve_config(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one configuration, fill in the defaults, return it in column order.

    Examples
    --------
    >>> config = resolve_config({"optimizer": "adam", "batch_size": 16})
    >>> config["learning_rate"], config["validation_size"], list(config)[-1]
    (0.001, 0.0, 'epochs')
    """
    check_names(params)
    config = {**PARAMETERS, **params}
    config = {name: p.check(config[name]) for name, p in PARAMETER_TABLE.items()}
    if config["learning_rate"] is None:
        config["learning_rate"] = get_spec(config["optimizer"]).default_learning_rate
    return config
