"""banknote-gd: gradient descent taught on the UCI banknote-authentication data.

The package behind the course: load and split the data, build Keras models, train one
configuration or sweep many (with a vectorised engine), and plot the tidy frames that come
back.

Examples
--------
>>> import banknote_gd as bgd
>>> frame = bgd.sweep({"learning_rate": [0.01, 0.1]}, seeds=3, epochs=5)  # doctest: +SKIP
>>> bgd.plot_sweep(frame, hue="learning_rate")  # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import by_hand
from .cache import clear_cache
from .data import (
    DATA_SHA256,
    DATA_URL,
    FEATURES,
    DataIntegrityError,
    DataUnavailableError,
    Split,
    data_path,
    get_data_home,
    load_banknotes,
    seed_data_cache,
    split_data,
)
from .frames import CONFIG_COLUMNS, HISTORY_COLUMNS, RUN_COLUMNS
from .models import build_model
from .optimizers import available_optimizers, make_optimizer
from .plots import plot_history, plot_pairs, plot_sweep
from .schedules import available_schedules, learning_rates, make_schedule
from .training import PARAMETERS, read_results, sweep, train

try:
    __version__ = version("banknote-gd")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CONFIG_COLUMNS",
    "DATA_SHA256",
    "DATA_URL",
    "FEATURES",
    "HISTORY_COLUMNS",
    "PARAMETERS",
    "RUN_COLUMNS",
    "DataIntegrityError",
    "DataUnavailableError",
    "Split",
    "__version__",
    "available_optimizers",
    "available_schedules",
    "build_model",
    "by_hand",
    "clear_cache",
    "data_path",
    "get_data_home",
    "learning_rates",
    "load_banknotes",
    "make_optimizer",
    "make_schedule",
    "plot_history",
    "plot_pairs",
    "plot_sweep",
    "read_results",
    "seed_data_cache",
    "split_data",
    "sweep",
    "train",
]
