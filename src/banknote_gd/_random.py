"""Explicit randomness: initial weights and batch order derived from one seed.

Both engines (Keras ``fit`` and the vectorised engine) and the NumPy lesson code draw their
initial weights and their batch order from these two functions, so the same seed means the
same starting point and the same sequence of mini-batches everywhere.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["batch_order", "initial_weights"]

_WEIGHTS_STREAM = 0
_ORDER_STREAM = 1


def initial_weights(seed: int, *, n_features: int = 4, hidden_units: int = 0) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, in the order Keras ``get_weights`` lists them.

    Parameters
    ----------
    seed
        Seed of the draw; the same seed gives the same weights.
    n_features
        Number of input features.
    hidden_units
        Units of the single hidden layer; 0 means logistic regression (no hidden layer).

    Returns
    -------
    list of numpy.ndarray
        ``[kernel (n_features, 1), bias (1,)]`` for logistic regression, or
        ``[kernel (n_features, h), bias (h,), kernel (h, 1), bias (1,)]`` with a hidden layer;
        all ``float32``.

    Examples
    --------
    >>> [w.shape for w in initial_weights(0, hidden_units=8)]
    [(4, 8), (8,), (8, 1), (1,)]
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _WEIGHTS_STREAM]))
    sizes = [n_features, hidden_units, 1] if hidden_units else [n_features, 1]
    weights: list[np.ndarray] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    return weights


def batch_order(seed: int, *, n_samples: int, epochs: int) -> np.ndarray:
    """One random permutation of the training rows per epoch.

    Parameters
    ----------
    seed
        Seed of the shuffles; the same seed gives the same order.
    n_samples
        Number of training rows.
    epochs
        Number of epochs.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(epochs, n_samples)``: row ``e`` lists the training rows in
        the order epoch ``e + 1`` visits them, ``batch_size`` at a time.

    Examples
    --------
    >>> batch_order(0, n_samples=5, epochs=2).shape
    (2, 5)
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _ORDER_STREAM]))
    return np.stack([rng.permutation(n_samples) for _ in range(epochs)])
