"""A registry of learning-rate schedules by name.

A schedule here is a recipe that, given the initial (peak) learning rate and the number of
updates a run will take, builds a Keras ``LearningRateSchedule``. Defining every schedule
relative to the length of the run makes them comparable across batch sizes and epochs.

=================  ===========================================================================
name               learning rate at update ``t`` of ``T`` (``lr`` is the initial learning rate)
=================  ===========================================================================
``constant``       ``lr`` throughout
``step``           ``lr``, then ``lr/10`` after half-way, then ``lr/100`` after three quarters
``exponential``    ``lr * 0.1 ** (t/T)``: falls smoothly to a tenth by the end
``inverse_time``   ``lr / (1 + 10 t/T)``: falls fast, then slowly, to an eleventh by the end
``cosine``         ``lr * (1 + cos(pi t/T)) / 2``: half a cosine wave down to 0
``warmup_cosine``  rises linearly from 0 to ``lr`` over the first tenth, then cosine to 0
=================  ===========================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_choice, check_int, check_positive_float

__all__ = ["SCHEDULES", "available_schedules", "learning_rates", "make_schedule"]


@dataclass(frozen=True)
class ScheduleSpec:
    """One registry entry: a name, a description and a builder ``(lr, total_steps) -> schedule``."""

    name: str
    description: str
    build: Callable[[float, int], Any]


def _constant(lr: float, total_steps: int) -> float:
    return lr


def _step(lr: float, total_steps: int):
    import keras

    boundaries = [max(1, total_steps // 2), max(2, (3 * total_steps) // 4)]
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, [lr, lr / 10, lr / 100])


def _exponential(lr: float, total_steps: int):
    import keras

    return keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=total_steps, decay_rate=0.1)


def _inverse_time(lr: float, total_steps: int):
    import keras

    return keras.optimizers.schedules.InverseTimeDecay(
        lr, decay_steps=max(1, total_steps / 10), decay_rate=1.0
    )


def _cosine(lr: float, total_steps: int):
    import keras

    return keras.optimizers.schedules.CosineDecay(lr, decay_steps=total_steps)


def _warmup_cosine(lr: float, total_steps: int):
    import keras

    warmup = max(1, total_steps // 10)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, total_steps - warmup), warmup_target=lr, warmup_steps=warmup
    )


SCHEDULES: dict[str, ScheduleSpec] = {
    spec.name: spec
    for spec in (
        ScheduleSpec("constant", "the same learning rate at every update", _constant),
        ScheduleSpec("step", "divided by 10 at 1/2 and again at 3/4 of the run", _step),
        ScheduleSpec(
            "exponential", "exponential decay to 1/10 by the end of the run", _exponential
        ),
        ScheduleSpec("inverse_time", "lr / (1 + 10 t/T): to 1/11 by the end", _inverse_time),
        ScheduleSpec("cosine", "half a cosine wave from lr down to 0", _cosine),
        ScheduleSpec(
            "warmup_cosine", "linear warm-up over the first 1/10, then cosine to 0", _warmup_cosine
        ),
    )
}
"""All learning-rate schedules known by name."""


def available_schedules() -> list[str]:
    """Names accepted wherever a schedule is asked for.

    Examples
    --------
    >>> available_schedules()[:2]
    ['constant', 'step']
    """
    return list(SCHEDULES)


def make_schedule(name: str, learning_rate: float, total_steps: int):
    """Build the schedule ``name`` for a run of ``total_steps`` updates.

    Parameters
    ----------
    name
        A name from :func:`available_schedules`.
    learning_rate
        Initial (for ``warmup_cosine``: peak) learning rate, > 0.
    total_steps
        Number of updates in the run (epochs times updates per epoch).

    Returns
    -------
    float or keras.optimizers.schedules.LearningRateSchedule
        A plain number for ``"constant"``, else a Keras schedule, ready to pass to an
        optimizer as its ``learning_rate``.

    Examples
    --------
    >>> make_schedule("constant", 0.1, 600)
    0.1
    >>> type(make_schedule("cosine", 0.1, 600)).__name__
    'CosineDecay'
    """
    spec = SCHEDULES[check_choice("schedule", name, SCHEDULES)]
    learning_rate = check_positive_float("learning_rate", learning_rate)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    return spec.build(learning_rate, total_steps)


def learning_rates(name: str, learning_rate: float, total_steps: int) -> np.ndarray:
    """The learning rate at every update of a run, as Keras's optimizer would use it.

    Update ``t`` (counting from 0) uses ``schedule(t)``, exactly as a Keras optimizer calls its
    schedule with its iteration counter before incrementing it.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of length ``total_steps``.

    Examples
    --------
    >>> [round(float(v), 4) for v in learning_rates("step", 0.1, 8)]
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.001]
    """
    schedule = make_schedule(name, learning_rate, total_steps)
    if isinstance(schedule, float):
        return np.full(total_steps, schedule, dtype=np.float32)
    steps = np.arange(total_steps)
    try:
        values = np.asarray(schedule(steps), dtype=np.float32)
    except (ValueError, TypeError):  # a warm-up branch (tf.cond) takes one step at a time
        values = None
    if values is None or values.shape != (total_steps,):
        # Stepping Keras's schedule costs about a millisecond per update, so the shape is
        # computed once per (schedule, length) at rate 1 and scaled: every schedule here is
        # linear in its initial rate (equal to Keras's own values to float32 rounding).
        values = (_unit_table(name, total_steps) * float(learning_rate)).astype(np.float32)
    return values


@functools.lru_cache(maxsize=64)
def _unit_table(name: str, total_steps: int) -> np.ndarray:
    """Keras's schedule ``name`` at initial rate 1, stepped one update at a time (float64)."""
    schedule = make_schedule(name, 1.0, total_steps)
    table = np.array([float(schedule(int(t))) for t in range(total_steps)], dtype=np.float64)
    table.setflags(write=False)
    return table
