"""The vectorised training engine: many configurations and seeds trained at once.

A model of 5 weights on 960 rows is microseconds of arithmetic; what costs time in the
course's loop (clear the session, build, compile, ``fit``) is the framework around it. This
engine stacks the weights of every *member* (one configuration with one seed) along a leading
axis and trains them all in one compiled TensorFlow function:

* each member has its own initial weights and its own batch order (both from its seed, by
  :mod:`banknote_gd._random`, exactly as the ``fit`` engine uses them);
* each member has its own learning rate at every update (a table built from its schedule with
  :func:`banknote_gd.learning_rates`);
* members share the batch size, the architecture, the optimizer and the data (one *group*);
* members never mix: a member whose loss becomes NaN or infinite diverges alone.

The updates reproduce Keras 3's optimizers (SGD with and without momentum or Nesterov,
Adagrad, RMSprop, Adam) and Keras's per-epoch history: the training loss and accuracy are the
means over the epoch's batches, weighted by batch size and measured before each update; the
test values are measured at the end of the epoch. Tests check that both engines give the same
weights (max |dw| <= 1e-4) and the same history.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from ._random import batch_order, initial_weights
from .data import Split
from .optimizers import get_spec

__all__ = ["GroupResult", "supports", "train_group"]


@dataclass
class GroupResult:
    """What :func:`train_group` returns.

    Attributes
    ----------
    metrics
        ``{(split, metric): array of shape (members, epochs)}``.
    weights
        Final weights, one stacked array per Keras weight (leading axis: member), in the
        order ``keras.Model.get_weights`` lists them.
    steps_per_epoch
        Updates per epoch.
    """

    metrics: dict[tuple[str, str], np.ndarray]
    weights: list[np.ndarray]
    steps_per_epoch: int


def supports(optimizer: str) -> bool:
    """Whether the vectorised engine implements the optimizer ``optimizer``.

    Examples
    --------
    >>> supports("adam"), supports("nadam")
    (True, False)
    """
    return get_spec(optimizer).vectorized


def _forward(tf, params, x, hidden: bool):
    """Logits of every member for its own batch: x has shape (members, batch, features)."""
    if hidden:
        w1, b1, w2, b2 = params
        h = tf.nn.relu(tf.einsum("mbd,mdh->mbh", x, w1) + b1[:, None, :])
        return tf.einsum("mbh,mho->mbo", h, w2)[..., 0] + b2
    w, b = params
    return tf.einsum("mbd,mdo->mbo", x, w)[..., 0] + b


def _slot_names(family: str) -> tuple[str, ...]:
    return {
        "sgd": (),
        "momentum": ("m",),
        "adagrad": ("acc",),
        "rmsprop": ("v",),
        "adam": ("m", "v"),
    }[family]


def _family(name: str) -> str:
    spec = get_spec(name)
    if spec.keras_class == "SGD":
        return "momentum" if spec.options.get("momentum", 0.0) else "sgd"
    return spec.keras_class.lower()


def _apply_update(tf, family, options, var, grad, slots, lr, step):
    """One optimizer update of one stacked variable; lr has one value per member."""
    lr = tf.reshape(lr, [-1] + [1] * (len(var.shape) - 1))
    if family == "sgd":
        return var - grad * lr, slots
    if family == "momentum":
        momentum = options["momentum"]
        (m,) = slots
        m = m * momentum - grad * lr
        if options.get("nesterov", False):
            return var + (m * momentum - grad * lr), (m,)
        return var + m, (m,)
    if family == "adagrad":
        (acc,) = slots
        acc = acc + tf.square(grad)
        return var - (lr * grad) / tf.sqrt(acc + options["epsilon"]), (acc,)
    if family == "rmsprop":
        (v,) = slots
        rho = options["rho"]
        v = rho * v + (1 - rho) * tf.square(grad)
        return var - (lr * grad) / tf.sqrt(v + options["epsilon"]), (v,)
    if family == "adam":
        m, v = slots
        b1, b2 = options["beta_1"], options["beta_2"]
        t = tf.cast(step + 1, var.dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(b2, t)) / (1 - tf.pow(b1, t))
        m = m + (grad - m) * (1 - b1)
        v = v + (tf.square(grad) - v) * (1 - b2)
        return var - (m * alpha) / (tf.sqrt(v) + options["epsilon"]), (m, v)
    raise AssertionError(family)


_DEFAULT_OPTIONS = {
    "sgd": {},
    "momentum": {"momentum": 0.0, "nesterov": False},
    "adagrad": {"initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}

_compiled: dict = {}


def _train_function(family: str, options_key: tuple, hidden: bool):
    """One compiled function per optimizer family, its options and the architecture."""
    key = (family, options_key, hidden)
    if key in _compiled:
        return _compiled[key]
    import tensorflow as tf

    options = dict(options_key)

    @tf.function(jit_compile=True, reduce_retracing=True)
    def run(params, x_train, y_train, x_test, y_test, index, mask, lrs):
        # index: (epochs, steps, members, batch) rows; mask: (steps, batch);
        # lrs: (epochs * steps, members)
        epochs, steps = tf.shape(index)[0], tf.shape(index)[1]
        members = tf.shape(index)[2]
        params = list(params)
        slots = []
        for p in params:
            if family == "adagrad":
                init = tf.fill(
                    tf.shape(p), tf.constant(options["initial_accumulator_value"], p.dtype)
                )
                slots.append((init,))
            else:
                slots.append(tuple(tf.zeros_like(p) for _ in _slot_names(family)))
        history = tf.TensorArray(tf.float32, size=epochs)
        xt = tf.broadcast_to(x_test[None], [members, *x_test.shape])
        for epoch in tf.range(epochs):
            loss_sum = tf.zeros([members])
            correct = tf.zeros([members])
            seen = tf.constant(0.0)
            for s in tf.range(steps):
                rows = index[epoch, s]
                valid = mask[s]
                count = tf.reduce_sum(valid)
                xb = tf.gather(x_train, rows)
                yb = tf.gather(y_train, rows)
                with tf.GradientTape() as tape:
                    tape.watch(params)
                    logits = _forward(tf, params, xb, hidden)
                    per_row = tf.nn.sigmoid_cross_entropy_with_logits(labels=yb, logits=logits)
                    losses = tf.reduce_sum(per_row * valid, axis=1) / count
                    total = tf.reduce_sum(losses)
                grads = tape.gradient(total, params)
                hits = tf.cast(tf.sigmoid(logits) > 0.5, tf.float32) == yb
                correct += tf.reduce_sum(tf.cast(hits, tf.float32) * valid, axis=1)
                loss_sum += losses * count
                seen += count
                step = epoch * steps + s
                lr = lrs[step]
                new_params, new_slots = [], []
                for p, g, sl in zip(params, grads, slots):
                    p2, sl2 = _apply_update(tf, family, options, p, g, sl, lr, step)
                    new_params.append(p2)
                    new_slots.append(sl2)
                params, slots = new_params, new_slots
            test_logits = _forward(tf, params, xt, hidden)
            test_loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=tf.broadcast_to(y_test[None], tf.shape(test_logits)), logits=test_logits
                ),
                axis=1,
            )
            test_acc = tf.reduce_mean(
                tf.cast(
                    tf.cast(tf.sigmoid(test_logits) > 0.5, tf.float32) == y_test[None], tf.float32
                ),
                axis=1,
            )
            history = history.write(
                epoch, tf.stack([loss_sum / seen, correct / seen, test_loss, test_acc])
            )
        return params, history.stack()

    _compiled[key] = run
    return run


def train_group(
    split: Split,
    *,
    optimizer: str,
    batch_size: int,
    epochs: int,
    hidden_units: int,
    seeds: list[int],
    learning_rates: np.ndarray,
) -> GroupResult:
    """Train a group of members that share everything but their seed and learning rates.

    Parameters
    ----------
    split
        Training and test arrays.
    optimizer
        Registry name; must be one the engine implements (see :func:`supports`).
    batch_size, epochs, hidden_units
        Shared by every member.
    seeds
        One seed per member: its initial weights and its batch order.
    learning_rates
        Array of shape ``(members, epochs * steps_per_epoch)``: each member's learning rate at
        every update.

    Returns
    -------
    GroupResult
    """
    import tensorflow as tf

    spec = get_spec(optimizer)
    if not spec.vectorized:
        raise ValueError(f"The vectorised engine does not implement optimizer {optimizer!r}.")
    family = _family(optimizer)
    options = {**_DEFAULT_OPTIONS[family], **spec.options}
    n = split.X_train.shape[0]
    steps = math.ceil(n / batch_size)
    members = len(seeds)
    learning_rates = np.asarray(learning_rates, dtype=np.float32)
    if learning_rates.shape != (members, epochs * steps):
        raise ValueError(
            f"learning_rates must have shape {(members, epochs * steps)}, "
            f"got {learning_rates.shape}."
        )
    # Batch rows for every member, padded to whole batches; the mask drops the padding.
    padded = steps * batch_size
    index = np.zeros((epochs, steps, members, batch_size), dtype=np.int32)
    for m, seed in enumerate(seeds):
        order = batch_order(seed, n_samples=n, epochs=epochs)
        order = np.pad(order, ((0, 0), (0, padded - n)))
        index[:, :, m, :] = order.reshape(epochs, steps, batch_size)
    mask = np.zeros(padded, dtype=np.float32)
    mask[:n] = 1.0
    mask = mask.reshape(steps, batch_size)
    inits = [
        initial_weights(s, n_features=split.X_train.shape[1], hidden_units=hidden_units)
        for s in seeds
    ]
    params = [tf.constant(np.stack(ws)) for ws in zip(*inits)]
    run = _train_function(family, tuple(sorted(options.items())), bool(hidden_units))
    # Each group shape is traced (and compiled by XLA) once, on purpose; TensorFlow's
    # "excessive retracing" warning would only alarm a learner.
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        final, history = run(
            params,
            tf.constant(split.X_train),
            tf.constant(split.y_train),
            tf.constant(split.X_test),
            tf.constant(split.y_test),
            tf.constant(index),
            tf.constant(mask),
            tf.constant(np.ascontiguousarray(learning_rates.T)),
        )
    finally:
        tf_logger.setLevel(level)
    history = history.numpy()  # (epochs, 4, members)
    names = [("train", "loss"), ("train", "accuracy"), ("test", "loss"), ("test", "accuracy")]
    metrics = {name: history[:, i, :].T.astype(np.float64) for i, name in enumerate(names)}
    return GroupResult(metrics=metrics, weights=[p.numpy() for p in final], steps_per_epoch=steps)
