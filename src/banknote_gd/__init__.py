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

from . import by_hand, lessons
from ._random import batch_order, initial_weights
from .cache import clear_cache
from .curvature import (
    Optimum,
    full_batch_descent,
    gradient_noise_scale,
    gradient_noise_scale_from_batches,
    hessian_eigenvalues,
    lambda_max,
    logistic_gradient,
    logistic_hessian,
    logistic_loss,
    minibatch_descent,
    optimum,
    sharpness,
)
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
from .lr_finder import lr_range_test, plot_lr_range, suggest_learning_rate
from .models import build_model
from .optimizers import available_optimizers, make_optimizer
from .parameters import PARAMETER_TABLE, Parameter
from .plots import (
    figure_style,
    hue_palette,
    log_axis,
    plot_history,
    plot_pairs,
    plot_sweep,
    set_style,
)
from .schedules import available_schedules, learning_rates, make_schedule
from .stats import BootstrapCI, accuracy_table, compare, excess_loss, final_values
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
    "PARAMETER_TABLE",
    "RUN_COLUMNS",
    "BootstrapCI",
    "DataIntegrityError",
    "DataUnavailableError",
    "Optimum",
    "Parameter",
    "Split",
    "__version__",
    "accuracy_table",
    "available_optimizers",
    "available_schedules",
    "batch_order",
    "build_model",
    "by_hand",
    "clear_cache",
    "compare",
    "data_path",
    "excess_loss",
    "figure_style",
    "final_values",
    "full_batch_descent",
    "get_data_home",
    "gradient_noise_scale",
    "gradient_noise_scale_from_batches",
    "hessian_eigenvalues",
    "hue_palette",
    "initial_weights",
    "lambda_max",
    "learning_rates",
    "lessons",
    "load_banknotes",
    "log_axis",
    "logistic_gradient",
    "logistic_hessian",
    "logistic_loss",
    "lr_range_test",
    "make_optimizer",
    "make_schedule",
    "minibatch_descent",
    "optimum",
    "plot_history",
    "plot_lr_range",
    "plot_pairs",
    "plot_sweep",
    "read_results",
    "seed_data_cache",
    "set_style",
    "sharpness",
    "split_data",
    "suggest_learning_rate",
    "sweep",
    "train",
]
