"""Keras models for the banknote task: logistic regression or a small MLP."""

from __future__ import annotations

from typing import Any

from ._checks import check_choice, check_int
from ._random import initial_weights
from .optimizers import make_optimizer

__all__ = ["build_model"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def build_model(
    *,
    hidden_units: int = 0,
    activation: str = "relu",
    optimizer: str = "sgd",
    learning_rate: Any = None,
    optimizer_options: dict[str, Any] | None = None,
    seed: int | None = 0,
    n_features: int = 4,
):
    """Build and compile a Keras model for the binary banknote task.

    With ``hidden_units=0`` this is the course's logistic regression, ``Dense(1,
    activation="sigmoid")`` on the four features; otherwise one hidden ``Dense`` layer of that
    many units comes first. The loss is binary cross-entropy and the metric accuracy.

    Parameters
    ----------
    hidden_units
        Units of the hidden layer; 0 for none (logistic regression).
    activation
        Activation of the hidden layer: ``"relu"``, ``"tanh"`` or ``"sigmoid"``.
    optimizer
        A registry name (see :func:`banknote_gd.available_optimizers`).
    learning_rate
        A number > 0, a Keras ``LearningRateSchedule``, or ``None`` for the optimizer's
        default (0.01 for the SGD family, 0.001 for the others).
    optimizer_options
        Extra keyword arguments for the Keras optimizer.
    seed
        Seed of the initial weights (Glorot-uniform kernels, zero biases, drawn by
        :func:`banknote_gd._random.initial_weights`); the same seed gives the same weights.
        ``None`` leaves Keras's own random initialisation.
    n_features
        Number of input features.

    Returns
    -------
    keras.Model
        A compiled ``keras.Sequential``.

    Examples
    --------
    >>> model = build_model(optimizer="adam", learning_rate=0.01, seed=1)
    >>> model.count_params()
    5
    """
    import keras

    hidden_units = check_int("hidden_units", hidden_units, minimum=0)
    n_features = check_int("n_features", n_features, minimum=1)
    check_choice("activation", activation, ACTIVATIONS)
    opt = make_optimizer(optimizer, learning_rate, **(optimizer_options or {}))
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)
        keras.utils.set_random_seed(seed)
    layers: list[Any] = [keras.Input(shape=(n_features,))]
    if hidden_units:
        layers.append(keras.layers.Dense(hidden_units, activation=activation, name="hidden"))
    layers.append(keras.layers.Dense(1, activation="sigmoid", name="output"))
    model = keras.Sequential(layers, name="logistic_regression" if not hidden_units else "mlp")
    if seed is not None:
        model.set_weights(initial_weights(seed, n_features=n_features, hidden_units=hidden_units))
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model
