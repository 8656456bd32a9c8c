"""Argument checks shared by the package's public functions.

Every check raises at the package's boundary with a message that names the argument, the
value that was given and what is allowed, so that a learner never has to read a traceback
from deep inside Keras or pandas.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "check_bool",
    "check_choice",
    "check_columns",
    "check_int",
    "check_positive_float",
    "check_seeds",
]


def check_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` or raise a clear error.

    Raises
    ------
    TypeError
        If ``value`` is not a whole number (booleans are refused too).
    ValueError
        If ``value`` lies outside ``[minimum, maximum]``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(
                f"{name} must be a whole number, got {value!r} ({type(value).__name__})."
            )
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ValueError(f"{name} must be {allowed}, got {value}.")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a ``bool`` if it is ``True`` or ``False`` (NumPy's too), else raise.

    A string such as ``"no"`` would be truthy, so it is refused rather than guessed.
    """
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__}).")
    return bool(value)


def check_positive_float(name: str, value: Any) -> float:
    """Return ``value`` as a finite ``float`` > 0 or raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive number, got {value!r} ({type(value).__name__})."
        )
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return value


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the choices."""
    allowed = list(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"Unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}.")
    return value


def check_seeds(seeds: Any) -> list[int]:
    """Turn ``seeds`` (a count or a sequence of whole numbers) into a list of seeds."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        count = check_int("seeds", seeds, minimum=1)
        return list(range(count))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a count (int >= 1) or a sequence of ints, got {seeds!r}.")
    result = [check_int("seeds", s, minimum=0) for s in seeds]
    if not result:
        raise ValueError(
            "seeds must not be empty; give a count such as seeds=10 or a list of ints."
        )
    if len(set(result)) != len(result):
        raise ValueError(f"seeds must not repeat, got {result}.")
    return result


def check_columns(frame: Any, required: Sequence[str], *, what: str, name: str = "frame") -> None:
    """Raise if ``frame`` is not a DataFrame holding every column in ``required``."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame for {what}, got {type(frame).__name__}."
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks the column(s) {missing} that {what} needs; it has {list(frame.columns)}."
            " Pass the frame that banknote_gd's train(), sweep() or load_banknotes() returns."
        )
    if frame.empty:
        raise ValueError(f"{name} is empty: {what} has nothing to draw.")
