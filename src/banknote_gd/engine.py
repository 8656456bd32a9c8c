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
Adagrad, RMSprop, Adam). Every epoch records, per member, Keras's running history (the means
over the epoch's batches, weighted by batch size and measured before each update: the
``"train_running"`` split) and the end-of-epoch weights evaluated on the training, validation
(if any) and test rows (see :func:`eval_sets`). Tests check that both engines give the same
weights (max |dw| <= 1e-4) and the same history.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._random import batch_order, initial_weights
from .data import Split
from .optimizers import get_spec

__all__ = [
    "UPDATE_RULES",
    "GroupResult",
    "UpdateRule",
    "compile_key",
    "eval_sets",
    "keras_defaults",
    "supports",
    "train_group",
    "update_options",
]


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


def _forward(tf, params, x, hidden: bool, shared: bool = False):
    """Logits of every member: for its own batch, x of shape (members, batch, features), or,
    with ``shared``, for the same rows, x of shape (rows, features).

    Shared rows go through a batched product broadcast over the members (one small
    product per member, each on one thread), not one large product of the rows with every
    member's weights: TensorFlow splits that over its threads, and its last bits then depend
    on how many there are (a worker with one thread would disagree with a process with two).
    """
    if hidden:
        w1, b1, w2, b2 = params
        h = tf.nn.relu(_product(tf, x, w1, shared) + b1[:, None, :])
        return _product(tf, h, w2, False)[..., 0] + b2
    w, b = params
    return _product(tf, x, w, shared)[..., 0] + b


def _product(tf, x, w, shared: bool):
    """``x @ w`` per member: x (members, rows, d), or with ``shared`` (rows, d); w (members,
    d, k)."""
    return tf.linalg.matmul(x[None] if shared else x, w)


def _evaluate(tf, params, x, y, hidden: bool):
    """Mean loss and accuracy of every member's weights on the rows ``x``, ``y``."""
    logits = _forward(tf, params, x, hidden, shared=True)
    labels = tf.broadcast_to(y[None], tf.shape(logits))
    loss = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=1
    )
    hits = tf.cast(tf.cast(tf.sigmoid(logits) > 0.5, tf.float32) == labels, tf.float32)
    return [loss, tf.reduce_mean(hits, axis=1)]


def _sgd_init(tf, var, options):
    return (tf.zeros_like(var),) if options["momentum"] else ()


def _sgd(tf, options, var, grad, slots, lr, step):
    if not options["momentum"]:
        return var - grad * lr, slots
    momentum = options["momentum"]
    (m,) = slots
    m = m * momentum - grad * lr
    if options["nesterov"]:
        return var + (m * momentum - grad * lr), (m,)
    return var + m, (m,)


def _adagrad_init(tf, var, options):
    return (tf.fill(tf.shape(var), tf.constant(options["initial_accumulator_value"], var.dtype)),)


def _adagrad(tf, options, var, grad, slots, lr, step):
    (acc,) = slots
    acc = acc + tf.square(grad)
    return var - (lr * grad) / tf.sqrt(acc + options["epsilon"]), (acc,)


def _rmsprop_init(tf, var, options):
    return (tf.zeros_like(var),)


def _rmsprop(tf, options, var, grad, slots, lr, step):
    (v,) = slots
    rho = options["rho"]
    v = rho * v + (1 - rho) * tf.square(grad)
    return var - (lr * grad) / tf.sqrt(v + options["epsilon"]), (v,)


def _adam_init(tf, var, options):
    return (tf.zeros_like(var), tf.zeros_like(var))


def _adam(tf, options, var, grad, slots, lr, step):
    m, v = slots
    b1, b2 = options["beta_1"], options["beta_2"]
    t = tf.cast(step + 1, var.dtype)
    alpha = lr * tf.sqrt(1 - tf.pow(b2, t)) / (1 - tf.pow(b1, t))
    m = m + (grad - m) * (1 - b1)
    v = v + (tf.square(grad) - v) * (1 - b2)
    return var - (m * alpha) / (tf.sqrt(v) + options["epsilon"]), (m, v)


@dataclass(frozen=True)
class UpdateRule:
    """One optimizer family of the vectorised engine.

    Attributes
    ----------
    keras_class
        The ``keras.optimizers`` class whose update the rule reproduces.
    options
        The constructor arguments the rule reads. Their defaults come from the Keras class's
        signature (:func:`update_options`), so the engine's copy cannot drift from Keras.
    init
        ``(tf, variable, options) -> slots``: the optimizer state of one stacked variable.
    apply
        ``(tf, options, variable, gradient, slots, lr, step) -> (variable, slots)``: one
        update; ``lr`` holds one learning rate per member.
    fixed
        Constructor arguments the rule implements at one value only (RMSprop's
        ``centered=False``); a registry entry that sets another value is not vectorised.
    """

    keras_class: str
    options: tuple[str, ...]
    init: Callable[..., tuple]
    apply: Callable[..., tuple]
    fixed: tuple[tuple[str, Any], ...] = ()


UPDATE_RULES: dict[str, UpdateRule] = {
    rule.keras_class: rule
    for rule in (
        UpdateRule("SGD", ("momentum", "nesterov"), _sgd_init, _sgd),
        UpdateRule("Adagrad", ("initial_accumulator_value", "epsilon"), _adagrad_init, _adagrad),
        UpdateRule(
            "RMSprop",
            ("rho", "epsilon"),
            _rmsprop_init,
            _rmsprop,
            fixed=(("momentum", 0.0), ("centered", False)),
        ),
        UpdateRule(
            "Adam", ("beta_1", "beta_2", "epsilon"), _adam_init, _adam, (("amsgrad", False),)
        ),
    )
}
"""The update rules of the vectorised engine, one entry per Keras optimizer family."""


@functools.cache
def keras_defaults(keras_class: str) -> dict[str, Any]:
    """The defaults of the constructor arguments of ``keras.optimizers.<keras_class>``.

    Read from the installed Keras's source (its ``__init__`` signature, parsed without
    importing Keras); if that fails, from ``inspect.signature`` of the imported class. A test
    checks that both agree.

    Examples
    --------
    >>> keras_defaults("Adam")["beta_2"]
    0.999
    """
    try:
        return _defaults_from_source(keras_class)
    except (OSError, ValueError, SyntaxError, LookupError):
        return _defaults_from_import(keras_class)


def _defaults_from_import(keras_class: str) -> dict[str, Any]:
    import keras

    signature = inspect.signature(getattr(keras.optimizers, keras_class).__init__)
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _defaults_from_source(keras_class: str) -> dict[str, Any]:
    """Parse ``class <keras_class>`` in Keras's ``src/optimizers`` without importing Keras."""
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("keras is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "src" / "optimizers"
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if f"class {keras_class}(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.name == keras_class:
                init = next(f for f in node.body if getattr(f, "name", "") == "__init__")
                args = init.args.args[-len(init.args.defaults) :] if init.args.defaults else []
                values = {a.arg: ast.literal_eval(d) for a, d in zip(args, init.args.defaults)}
                kw = zip(init.args.kwonlyargs, init.args.kw_defaults)
                values.update({a.arg: ast.literal_eval(d) for a, d in kw if d is not None})
                return values
    raise LookupError(f"class {keras_class} not found in {folder}")


def update_options(optimizer: str) -> dict[str, Any]:
    """The options the engine uses for ``optimizer``: Keras's defaults, then the entry's own.

    Examples
    --------
    >>> update_options("nesterov")
    {'momentum': 0.9, 'nesterov': True}
    >>> update_options("adam")
    {'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07}
    """
    spec = get_spec(optimizer)
    defaults = keras_defaults(spec.keras_class)
    return {
        name: spec.options.get(name, defaults[name])
        for name in UPDATE_RULES[spec.keras_class].options
    }


def supports(optimizer: str) -> bool:
    """Whether the vectorised engine implements the optimizer ``optimizer``.

    True if its Keras class has an entry in :data:`UPDATE_RULES`, the entry is marked
    vectorised, and it sets no option the rule does not read (beyond the rule's fixed values).

    Examples
    --------
    >>> supports("adam"), supports("nadam")
    (True, False)
    """
    spec = get_spec(optimizer)
    rule = UPDATE_RULES.get(spec.keras_class)
    if rule is None or not spec.vectorized:
        return False
    fixed = dict(rule.fixed)
    return all(k in rule.options or fixed.get(k) == v for k, v in spec.options.items())


XLA: bool | None = None
"""Compile the training function with XLA: ``True`` always, ``False`` never, ``None``
(default) where it pays, for runs of at least :data:`XLA_MIN_UPDATES` updates. XLA compiles
once per shape (batch size, member count, epochs), about a second each on a small CPU, and
then runs an update 3x faster than the traced graph; a run of the course's size (600
updates) is over before the compiler would be (see ``benchmarks/bench_cluster.py``). The
choice depends on the run only, never on what the process ran before, so a sweep gives the
same numbers on any worker."""

XLA_MIN_UPDATES = 5000
"""Updates per run from which :data:`XLA` ``None`` compiles with XLA (batch size 1 for
10 epochs: 9,600)."""

_compiled: dict = {}


def _use_xla(xla: bool | None, updates: int) -> bool:
    """``xla`` if given, else what :data:`XLA` says for a run of ``updates`` updates."""
    if xla is not None:
        return bool(xla)
    return XLA if XLA is not None else updates >= XLA_MIN_UPDATES


def compile_key(
    split: Split,
    *,
    optimizer: str,
    batch_size: int,
    epochs: int,
    hidden_units: int,
    members: int,
    xla: bool | None = None,
) -> tuple:
    """What a process traces (and with XLA compiles) once for a group, and reuses after.

    Groups with equal keys share one traced function: the update rule and its options, the
    architecture, the number of evaluated sets and whether XLA compiles it (``xla``: as in
    :func:`train_group`); XLA compiles per shape, so with XLA the shapes end the key.
    :func:`train_group` gets its function from the key; executors send tasks with a key a
    worker has already compiled to that worker (:func:`banknote_gd.executors.run_tasks`).

    Examples
    --------
    >>> from banknote_gd import split_data
    >>> common = dict(batch_size=32, epochs=10, hidden_units=0, members=20)
    >>> compile_key(split_data(), optimizer="sgd", **common) == compile_key(
    ...     split_data(standardize=False), optimizer="sgd", **common)
    True
    >>> compile_key(split_data(), optimizer="sgd", **common) == compile_key(
    ...     split_data(), optimizer="adam", **common)
    False
    """
    n = split.X_train.shape[0]
    steps = math.ceil(n / batch_size)
    sizes = tuple(len(y) for _, y in eval_sets(split).values())
    xla = _use_xla(xla, epochs * steps)
    shape = (members, batch_size, steps, epochs, n, sizes) if xla else ()
    options = tuple(update_options(optimizer).items())
    return (get_spec(optimizer).keras_class, options, bool(hidden_units), len(sizes), xla, shape)


def _signature(tf, hidden: bool, n_evals: int) -> list:
    """Shapes left open, so that one trace serves every batch size, member count and epochs."""
    spec, f32 = tf.TensorSpec, tf.float32
    params = [spec([None, None, 1], f32), spec([None, 1], f32)]
    if hidden:
        params = [spec([None, None, None], f32), spec([None, None], f32), *params]
    return [
        params,
        spec([None, None], f32),
        spec([None], f32),
        tuple(spec([None, None], f32) for _ in range(n_evals)),
        tuple(spec([None], f32) for _ in range(n_evals)),
        spec([None, None, None, None], tf.int32),
        spec([None, None], f32),
        spec([None, None], f32),
    ]


def _train_function(keras_class: str, options_key: tuple, hidden: bool, n_evals: int, xla: bool):
    """One traced function per update rule and options, architecture and number of eval sets."""
    key = (keras_class, options_key, hidden, n_evals, xla)
    if key in _compiled:
        return _compiled[key]
    import tensorflow as tf

    rule = UPDATE_RULES[keras_class]
    options = dict(options_key)

    @tf.function(input_signature=_signature(tf, hidden, n_evals), jit_compile=xla, autograph=False)
    def run(params, x_train, y_train, x_evals, y_evals, index, mask, lrs):
        # index: (epochs, steps, members, batch) rows; mask: (steps, batch);
        # lrs: (epochs * steps, members). Plain tf.while_loops, no AutoGraph: converting
        # the Python source was most of the cost of a first call.
        epochs, steps, members = tf.shape(index)[0], tf.shape(index)[1], tf.shape(index)[2]

        def update(epoch, s, params, slots, loss_sum, correct, seen):
            rows, valid = index[epoch, s], mask[s]
            count = tf.reduce_sum(valid)
            xb, yb = tf.gather(x_train, rows), tf.gather(y_train, rows)
            with tf.GradientTape() as tape:
                tape.watch(params)
                logits = _forward(tf, params, xb, hidden)
                per_row = tf.nn.sigmoid_cross_entropy_with_logits(labels=yb, logits=logits)
                losses = tf.reduce_sum(per_row * valid, axis=1) / count
                total = tf.reduce_sum(losses)
            grads = tape.gradient(total, params)
            hits = tf.cast(tf.cast(tf.sigmoid(logits) > 0.5, tf.float32) == yb, tf.float32)
            step = epoch * steps + s
            new = [
                rule.apply(
                    tf,
                    options,
                    p,
                    g,
                    sl,
                    tf.reshape(lrs[step], [-1] + [1] * (p.shape.rank - 1)),
                    step,
                )
                for p, g, sl in zip(params, grads, slots)
            ]
            return (
                s + 1,
                [p for p, _ in new],
                [sl for _, sl in new],
                loss_sum + losses * count,
                correct + tf.reduce_sum(hits * valid, axis=1),
                seen + count,
            )

        def one_epoch(epoch, params, slots, history):
            zeros = tf.zeros([members])
            _, params, slots, loss_sum, correct, seen = tf.while_loop(
                lambda s, *_: s < steps,
                lambda *state: update(epoch, *state),
                (tf.constant(0), params, slots, zeros, zeros, tf.constant(0.0)),
            )
            scores = [loss_sum / seen, correct / seen]
            for x_eval, y_eval in zip(x_evals, y_evals):
                scores.extend(_evaluate(tf, params, x_eval, y_eval, hidden))
            return epoch + 1, params, slots, history.write(epoch, tf.stack(scores))

        slots = [rule.init(tf, p, options) for p in params]
        history = tf.TensorArray(tf.float32, size=epochs)
        _, params, _, history = tf.while_loop(
            lambda e, *_: e < epochs, one_epoch, (tf.constant(0), list(params), slots, history)
        )
        return params, history.stack()

    _compiled[key] = run
    return run


def eval_sets(split: Split) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The rows evaluated at the end of every epoch: ``{split name: (X, y)}``, in frame order.

    Examples
    --------
    >>> from banknote_gd import split_data
    >>> list(eval_sets(split_data())), list(eval_sets(split_data(validation_size=0.25)))
    (['train', 'test'], ['train', 'validation', 'test'])
    """
    sets = {"train": (split.X_train, split.y_train)}
    if len(split.y_val):
        sets["validation"] = (split.X_val, split.y_val)
    sets["test"] = (split.X_test, split.y_test)
    return sets


def train_group(
    split: Split,
    *,
    optimizer: str,
    batch_size: int,
    epochs: int,
    hidden_units: int,
    seeds: list[int],
    learning_rates: np.ndarray,
    xla: bool | None = None,
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
    xla
        Compile with XLA; ``None``: as :data:`XLA` says.

    Returns
    -------
    GroupResult
    """
    import tensorflow as tf

    if not supports(optimizer):
        raise ValueError(f"The vectorised engine does not implement optimizer {optimizer!r}.")
    n = split.X_train.shape[0]
    steps = math.ceil(n / batch_size)
    members = len(seeds)
    learning_rates = np.asarray(learning_rates, dtype=np.float32)
    if learning_rates.shape != (members, epochs * steps):
        raise ValueError(
            f"learning_rates must have shape {(members, epochs * steps)}, "
            f"got {learning_rates.shape}."
        )
    index, mask, params = _member_inputs(split, seeds, batch_size, epochs, hidden_units)
    evals = eval_sets(split)
    key = compile_key(
        split,
        optimizer=optimizer,
        batch_size=batch_size,
        epochs=epochs,
        hidden_units=hidden_units,
        members=members,
        xla=xla,
    )
    run = _train_function(*key[:-1])  # the shapes (last) matter to XLA, not to the trace
    inputs = (
        [tf.constant(p) for p in params],
        tf.constant(split.X_train),
        tf.constant(split.y_train),
        tuple(tf.constant(x) for x, _ in evals.values()),
        tuple(tf.constant(y) for _, y in evals.values()),
        tf.constant(index),
        tf.constant(mask),
        tf.constant(np.ascontiguousarray(learning_rates.T)),
    )
    with _quiet_tensorflow_log():
        final, history = run(*inputs)
    history = history.numpy().astype(np.float64)  # (epochs, 2 + 2 * len(evals), members)
    names = [("train_running", m) for m in ("loss", "accuracy")]
    names += [(name, m) for name in evals for m in ("loss", "accuracy")]
    metrics = {name: history[:, i, :].T for i, name in enumerate(names)}
    return GroupResult(metrics=metrics, weights=[p.numpy() for p in final], steps_per_epoch=steps)


@contextlib.contextmanager
def _quiet_tensorflow_log():
    """TensorFlow's log at ERROR level: its "excessive retracing" warning would only alarm a
    learner (with XLA each shape is compiled once, on purpose; Keras's test step is traced once
    per evaluated set's shape)."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _member_inputs(split: Split, seeds, batch_size: int, epochs: int, hidden_units: int):
    """Every member's batch rows (steps padded to whole batches; ``mask`` drops the padding)
    and initial weights, drawn once per distinct seed (a group has a member per learning
    rate and seed).

    Returns ``index`` of shape (epochs, steps, members, batch_size), ``mask`` of shape
    (steps, batch_size) and the stacked initial weights (leading axis: member).
    """
    n = split.X_train.shape[0]
    steps = math.ceil(n / batch_size)
    padded = steps * batch_size
    position = {seed: i for i, seed in enumerate(dict.fromkeys(seeds))}
    distinct, member_seed = list(position), np.asarray([position[s] for s in seeds], dtype=int)
    orders = np.zeros((len(distinct), epochs, padded), dtype=np.int32)
    for i, seed in enumerate(distinct):
        orders[i, :, :n] = batch_order(seed, n_samples=n, epochs=epochs)
    index = orders[member_seed].reshape(len(seeds), epochs, steps, batch_size)
    mask = np.zeros(padded, dtype=np.float32)
    mask[:n] = 1.0
    inits = [
        initial_weights(s, n_features=split.X_train.shape[1], hidden_units=hidden_units)
        for s in distinct
    ]
    params = [np.stack(ws)[member_seed] for ws in zip(*inits)]
    return index.transpose(1, 2, 0, 3), mask.reshape(steps, batch_size), params
