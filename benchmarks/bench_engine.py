"""Benchmark: the course's training loop, the vectorised engine and a NumPy floor, side by side.

Run from a clean checkout (after ``pip install -e .`` and with the data cached)::

    python benchmarks/bench_engine.py

It times, in one run on one machine:

1. the course's own loop on the learning-rate sweep (0.01, 0.05, 0.1, 0.5 at batch 16 for
   10 epochs), 4 configurations x 1 seed: for each one ``clear_session``, build, compile,
   ``fit``;
2. :func:`banknote_gd.sweep` with the vectorised engine on the same sweep with 10 seeds
   (40 trainings), cold (first call in a fresh process: tracing included)
   and warm (median of later calls);
3. a plain vectorised NumPy implementation of the same 40 trainings (minibatch SGD on the
   same batches), the floor;

and prints the per-training speed-ups with their targets. Timings are wall-clock seconds on a
shared machine: read the ratios, which are measured side by side, not single numbers.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RATES = [0.01, 0.05, 0.1, 0.5]
SEEDS = 10
EPOCHS = 10
BATCH = 16


def course_loop() -> float:
    """The course's way: one fresh Keras model per configuration. Returns seconds."""
    import keras

    import banknote_gd as bgd

    split = bgd.split_data()
    start = time.perf_counter()
    for rate in RATES:
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=rate),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(
            split.X_train,
            split.y_train,
            batch_size=BATCH,
            epochs=EPOCHS,
            verbose=0,
            validation_data=(split.X_test, split.y_test),
        )
    return time.perf_counter() - start


def engine_child() -> None:
    """Run in a fresh process: time the first (cold) and later (warm) sweeps."""
    import banknote_gd as bgd

    bgd.split_data()  # data loading is not training
    import tensorflow  # noqa: F401  (importing TensorFlow is paid by every approach alike)

    def once() -> float:
        start = time.perf_counter()
        bgd.sweep(
            {"learning_rate": RATES},
            seeds=SEEDS,
            epochs=EPOCHS,
            batch_size=BATCH,
            engine="vectorized",
            progress=False,
            cache=False,
        )
        return time.perf_counter() - start

    cold = once()
    warm = statistics.median(once() for _ in range(7))
    print(json.dumps({"cold": cold, "warm": warm}))


def numpy_floor() -> float:
    """40 trainings of minibatch SGD on the same batches, vectorised over members in NumPy."""
    import numpy as np

    import banknote_gd as bgd
    from banknote_gd._random import batch_order, initial_weights

    split = bgd.split_data()
    x, y = split.X_train.astype(np.float32), split.y_train.astype(np.float32)
    xt, yt = split.X_test, split.y_test
    members = [(rate, seed) for rate in RATES for seed in range(SEEDS)]
    lr = np.array([r for r, _ in members], dtype=np.float32)[:, None]
    n = len(y)
    steps = -(-n // BATCH)
    start = time.perf_counter()
    orders = np.stack([batch_order(s, n_samples=n, epochs=EPOCHS) for _, s in members])
    w = np.stack([initial_weights(s)[0][:, 0] for _, s in members])  # (M, 4)
    b = np.zeros(len(members), dtype=np.float32)
    history = np.zeros((len(members), EPOCHS, 4), dtype=np.float32)
    for epoch in range(EPOCHS):
        loss_sum = np.zeros(len(members), dtype=np.float32)
        correct = np.zeros(len(members), dtype=np.float32)
        for s in range(steps):
            rows = orders[:, epoch, s * BATCH : (s + 1) * BATCH]  # (M, B)
            xb, yb = x[rows], y[rows]  # (M, B, 4), (M, B)
            z = np.einsum("mbd,md->mb", xb, w) + b[:, None]
            p = 1.0 / (1.0 + np.exp(-z))
            loss = np.maximum(z, 0) - z * yb + np.log1p(np.exp(-np.abs(z)))
            loss_sum += loss.sum(axis=1)
            correct += ((p > 0.5) == yb).sum(axis=1)
            g = (p - yb) / rows.shape[1]
            w -= lr * np.einsum("mb,mbd->md", g, xb)
            b -= lr[:, 0] * g.sum(axis=1)
        zt = xt @ w.T + b
        history[:, epoch, 0] = loss_sum / n
        history[:, epoch, 1] = correct / n
        history[:, epoch, 2] = (
            np.maximum(zt, 0) - zt * yt[:, None] + np.log1p(np.exp(-np.abs(zt)))
        ).mean(axis=0)
        history[:, epoch, 3] = ((zt > 0) == yt[:, None]).mean(axis=0)
    return time.perf_counter() - start


def main() -> None:
    if "--engine-child" in sys.argv:
        engine_child()
        return
    import tensorflow as tf

    import banknote_gd as bgd

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"banknote-gd {bgd.__version__}"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--engine-child"], capture_output=True, text=True, check=True
    )
    engine = json.loads(child.stdout.strip().splitlines()[-1])
    course = course_loop()
    floor = statistics.median(numpy_floor() for _ in range(7))

    trainings_course, trainings_engine = len(RATES), len(RATES) * SEEDS
    per_course = course / trainings_course
    per_cold = engine["cold"] / trainings_engine
    per_warm = engine["warm"] / trainings_engine
    rows = [
        ("course loop (clear/build/compile/fit)", course, trainings_course),
        ("engine, cold (first call: tracing)", engine["cold"], trainings_engine),
        ("engine, warm (median of 7)", engine["warm"], trainings_engine),
        ("NumPy vectorised floor (median of 7)", floor, trainings_engine),
    ]
    print(f"\n{'':44}{'seconds':>10}{'trainings':>11}{'ms/training':>13}")
    for name, seconds, count in rows:
        print(f"{name:44}{seconds:>10.3f}{count:>11}{1000 * seconds / count:>13.2f}")
    print("\nratios (measured side by side in this run):")
    checks = [
        ("engine cold vs course loop, per training", per_course / per_cold, ">=", 30),
        ("engine warm vs course loop, per training", per_course / per_warm, ">=", 300),
        ("engine warm / NumPy floor", engine["warm"] / floor, "<=", 2),
    ]
    for name, ratio, sense, target in checks:
        ok = ratio >= target if sense == ">=" else ratio <= target
        verdict = "met" if ok else "MISSED"
        print(f"  {name:44}{ratio:>9.1f}x   target {sense} {target}x  {verdict}")


if __name__ == "__main__":
    main()
