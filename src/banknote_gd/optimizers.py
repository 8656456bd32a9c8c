"""A registry of optimizers by name, so that no code ever ``eval``s an optimizer string.

Each entry names a Keras optimizer class, the options that make it what the course calls it
(``"momentum"`` is SGD with ``momentum=0.9``) and its default learning rate.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from ._checks import check_choice, check_positive_float

__all__ = ["OPTIMIZERS", "OptimizerSpec", "available_optimizers", "make_optimizer"]


@dataclass(frozen=True)
class OptimizerSpec:
    """One registry entry.

    Attributes
    ----------
    name
        Registry name.
    keras_class
        Name of the class in ``keras.optimizers``.
    options
        Keyword arguments that define this entry (on top of Keras's own defaults).
    default_learning_rate
        Learning rate used when none is given (Keras's default for the class).
    vectorized
        Whether the vectorised sweep engine implements it; otherwise sweeps fall back to
        ``model.fit`` for it.
    description
        One line for listings and ``--help``.
    """

    name: str
    keras_class: str
    default_learning_rate: float
    description: str
    options: dict[str, Any] = field(default_factory=dict)
    vectorized: bool = True


OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec("sgd", "SGD", 0.01, "plain stochastic gradient descent"),
        OptimizerSpec("momentum", "SGD", 0.01, "SGD with momentum 0.9", {"momentum": 0.9}),
        OptimizerSpec(
            "nesterov",
            "SGD",
            0.01,
            "SGD with Nesterov momentum 0.9",
            {"momentum": 0.9, "nesterov": True},
        ),
        OptimizerSpec(
            "adagrad", "Adagrad", 0.001, "per-weight steps shrinking with past gradients"
        ),
        OptimizerSpec("rmsprop", "RMSprop", 0.001, "per-weight steps scaled by recent gradients"),
        OptimizerSpec("adam", "Adam", 0.001, "momentum plus RMSprop-style scaling, bias-corrected"),
        OptimizerSpec("adamax", "Adamax", 0.001, "Adam with an infinity norm", vectorized=False),
        OptimizerSpec("nadam", "Nadam", 0.001, "Adam with Nesterov momentum", vectorized=False),
    )
}
"""All optimizers known by name."""


def available_optimizers() -> list[str]:
    """Names accepted wherever an optimizer is asked for.

    Examples
    --------
    >>> available_optimizers()[:3]
    ['sgd', 'momentum', 'nesterov']
    """
    return list(OPTIMIZERS)


def get_spec(name: str) -> OptimizerSpec:
    """Return the registry entry for ``name`` or raise a ``ValueError`` listing the names."""
    return OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]


def make_optimizer(name: str = "sgd", learning_rate: Any = None, **options: Any):
    """Create a Keras optimizer from its registry name.

    Parameters
    ----------
    name
        A name from :func:`available_optimizers`.
    learning_rate
        A number > 0, a ``keras.optimizers.schedules.LearningRateSchedule``, or ``None`` for
        the optimizer's default.
    **options
        Further keyword arguments for the Keras class (for example ``beta_1`` for Adam);
        they override the entry's own options.

    Returns
    -------
    keras.optimizers.Optimizer

    Examples
    --------
    >>> opt = make_optimizer("momentum", 0.05)
    >>> type(opt).__name__, float(opt.momentum)
    ('SGD', 0.9)
    """
    import keras

    spec = get_spec(name)
    cls = getattr(keras.optimizers, spec.keras_class)
    if learning_rate is None:
        learning_rate = spec.default_learning_rate
    elif not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = check_positive_float("learning_rate", learning_rate)
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "learning_rate", "kwargs"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(
            f"Unknown option(s) {unknown} for optimizer {name!r} (keras.optimizers."
            f"{spec.keras_class}); allowed: {sorted(allowed)}."
        )
    merged = {**spec.options, **options}
    try:
        return cls(learning_rate=learning_rate, **merged)
    except (ValueError, TypeError) as error:  # Keras checks the values of its options
        raise type(error)(
            f"Bad option for optimizer {name!r} (keras.optimizers.{spec.keras_class}) with "
            f"options {merged}: {error}"
        ) from error
