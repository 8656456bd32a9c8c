"""The engine registry, the optimizer update table and the executors (fast unit tests)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd import engine, engines, executors
from banknote_gd.engines import ENGINES, Task, get_engine, pick_engine
from banknote_gd.optimizers import OPTIMIZERS
from banknote_gd.parameters import resolve_config


def test_registry_lists_the_engines_in_auto_order():
    assert list(ENGINES) == ["vectorized", "fit"]
    assert bgd.training.ENGINES == ("auto", "vectorized", "fit")
    assert get_engine("fit").max_members == 1 and get_engine("vectorized").max_members is None
    with pytest.raises(ValueError, match=r"Unknown engine 'gpu'; allowed: 'vectorized', 'fit'"):
        get_engine("gpu")


def test_auto_picks_the_first_engine_that_supports_a_run():
    assert pick_engine(resolve_config({"optimizer": "adam"})) == "vectorized"
    assert pick_engine(resolve_config({"optimizer": "nadam"})) == "fit"
    assert pick_engine(resolve_config({"optimizer": "nadam"}), "vectorized") is None
    assert pick_engine(resolve_config({"optimizer": "adam"}), "fit") == "fit"


def test_group_key_separates_what_a_group_shares():
    vectorized = get_engine("vectorized")
    a = resolve_config({"learning_rate": 0.1, "schedule": "cosine"})
    b = resolve_config({"learning_rate": 0.5})
    c = resolve_config({"learning_rate": 0.1, "batch_size": 16})
    d = resolve_config({"validation_size": 0.2})
    assert vectorized.group_key(a) == vectorized.group_key(b)
    assert vectorized.group_key(a) != vectorized.group_key(c)
    assert vectorized.group_key(a) != vectorized.group_key(d)


@pytest.mark.parametrize("name", [n for n, s in OPTIMIZERS.items() if engine.supports(n)])
def test_update_rules_read_their_defaults_from_keras(name):
    """The engine's options are what the Keras optimizer the registry builds holds."""
    options = engine.update_options(name)
    keras_optimizer = bgd.make_optimizer(name)
    for option, value in options.items():
        assert getattr(keras_optimizer, option) == pytest.approx(value), option


@pytest.mark.parametrize("keras_class", list(engine.UPDATE_RULES))
def test_defaults_read_from_the_keras_source_equal_the_imported_signature(keras_class):
    assert engine._defaults_from_source(keras_class) == engine._defaults_from_import(keras_class)


def test_every_vectorised_optimizer_has_a_rule_and_the_others_do_not():
    vectorised = {n for n in OPTIMIZERS if engine.supports(n)}
    assert vectorised == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    assert {OPTIMIZERS[n].keras_class for n in vectorised} == set(engine.UPDATE_RULES)


def test_a_changed_keras_default_reaches_the_engine(monkeypatch):
    real = engine.keras_defaults
    monkeypatch.setattr(
        engine, "keras_defaults", lambda cls: {**real(cls), "beta_2": 0.95, "rho": 0.8}
    )
    assert engine.update_options("adam")["beta_2"] == 0.95
    assert engine.update_options("rmsprop")["rho"] == 0.8


def _task(n: int) -> Task:
    config = resolve_config({})
    split = bgd.split_data()
    return Task("vectorized", split, (config,) * n, tuple(range(n)), tuple(range(n)))


def test_tasks_split_into_balanced_chunks_largest_first():
    small = _task(40)  # 300 updates of 40 members: the fixed cost of each update dominates
    assert executors.balance([small], 1) == [small]
    halves = executors.balance([small], 2)  # one chunk per worker, no more: more would not pay
    assert [len(c) for c in halves] == [20, 20]
    assert sorted(i for c in halves for i in c.ids) == list(range(40))
    config = resolve_config({"batch_size": 960})  # full batch: the work grows with members
    big = Task("vectorized", small.split, (config,) * 2000, tuple(range(2000)), tuple(range(2000)))
    chunks = executors.balance([small, big], 2)
    assert len(chunks) == 2 * executors.CHUNKS_PER_WORKER
    assert sorted(i for c in chunks for i in c.ids if c.configs[0]["batch_size"] == 960) == list(
        range(2000)
    )
    costs = [get_engine("vectorized").cost(c.split, c.configs) for c in chunks]
    assert costs == sorted(costs, reverse=True)


def test_executor_workers():
    assert executors.executor_workers(None) == 1
    with ThreadPoolExecutor(3) as pool:
        assert executors.executor_workers(pool) == 3


def test_sweep_on_an_executor_equals_the_serial_sweep():
    grid = [{"learning_rate": [0.05, 0.5], "batch_size": [32, 960]}, {"optimizer": ["adam"]}]
    serial = bgd.sweep(grid, seeds=4, epochs=2)
    with ThreadPoolExecutor(2) as pool:
        parallel = bgd.sweep(grid, seeds=4, epochs=2, executor=pool)
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial.groupby(["optimizer", "learning_rate", "batch_size"]).ngroups == 5


def test_a_list_of_grids_trains_a_shared_run_once():
    grids = [{"learning_rate": [0.1, 0.2]}, {"learning_rate": [0.2, 0.3]}]
    frame = bgd.sweep(grids, seeds=[0], epochs=1, batch_size=480)
    assert list(frame["learning_rate"].unique()) == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match=r"grid is an empty list"):
        bgd.sweep([], seeds=1)
    with pytest.raises(TypeError, match=r"executor must be a concurrent.futures.Executor"):
        bgd.sweep({"learning_rate": [0.1]}, seeds=1, epochs=1, executor="dask")


class WorkerLost(Exception):
    """Stands for a worker process that died (Dask raises KilledWorker)."""


WorkerLost.__name__ = "KilledWorker"


def test_a_chunk_whose_worker_dies_is_trained_again(monkeypatch):
    calls = []
    real = engines.run_task

    def flaky(task, threads=None):
        calls.append(task.ids)
        if len(calls) == 1:
            raise WorkerLost("worker died")
        return real(task, threads)

    expected = bgd.sweep({"learning_rate": [0.1, 0.2]}, seeds=2, epochs=1)
    monkeypatch.setattr(engines, "run_task", flaky)
    with ThreadPoolExecutor(1) as pool:
        frame = bgd.sweep({"learning_rate": [0.1, 0.2]}, seeds=2, epochs=1, executor=pool)
    assert len(calls) == 2 and calls[0] == calls[1]
    pd.testing.assert_frame_equal(frame, expected)


def test_other_errors_are_raised_not_retried(monkeypatch):
    def broken(task, threads=None):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engines, "run_task", broken)
    with ThreadPoolExecutor(1) as pool, pytest.raises(ZeroDivisionError, match="a bug"):
        bgd.sweep({"learning_rate": [0.1]}, seeds=1, epochs=1, executor=pool)


@pytest.mark.parametrize("xla", [False, True])
def test_members_do_not_depend_on_their_chunk(xla):
    """A run's numbers are the same whatever else is in its group (so chunking is safe)."""
    split = bgd.split_data()
    rates = np.tile(bgd.learning_rates("constant", 0.1, 2 * 30), (5, 1))
    common = dict(optimizer="adam", batch_size=32, epochs=2, hidden_units=0, xla=xla)
    whole = engine.train_group(split, seeds=[0, 1, 2, 3, 4], learning_rates=rates, **common)
    part = engine.train_group(split, seeds=[3, 4], learning_rates=rates[:2], **common)
    for key, values in whole.metrics.items():
        np.testing.assert_array_equal(values[3:], part.metrics[key])
    for stacked, alone in zip(whole.weights, part.weights):
        np.testing.assert_array_equal(stacked[3:], alone)


def test_xla_is_chosen_by_the_run_alone(monkeypatch):
    chosen = []
    real = engine._train_function
    monkeypatch.setattr(
        engine, "_train_function", lambda *args: chosen.append(args[-1]) or real(*args)
    )
    split = bgd.split_data()
    for batch_size, epochs in [(480, 1), (1, 6)]:  # 2 and 5,760 updates
        steps = -(-960 // batch_size) * epochs
        engine.train_group(
            split,
            optimizer="sgd",
            batch_size=batch_size,
            epochs=epochs,
            hidden_units=0,
            seeds=[0],
            learning_rates=np.full((1, steps), 0.01, np.float32),
        )
    assert chosen == [False, True] and engine.XLA_MIN_UPDATES <= 5760


@pytest.mark.parametrize("optimizer", ["nesterov", "adagrad", "rmsprop", "adam"])
def test_xla_and_the_traced_graph_agree(optimizer):
    """Both ways of running the engine (model.fit equivalence is tested without XLA)."""
    split = bgd.split_data(validation_size=0.2)
    rates = np.full((3, 2 * 24), 0.02, np.float32)
    common = dict(optimizer=optimizer, batch_size=32, epochs=2, hidden_units=3, seeds=[0, 1, 2])
    graph = engine.train_group(split, learning_rates=rates, xla=False, **common)
    xla = engine.train_group(split, learning_rates=rates, xla=True, **common)
    for key, values in graph.metrics.items():
        np.testing.assert_allclose(xla.metrics[key], values, atol=1e-5, rtol=1e-5)
    for a, b in zip(graph.weights, xla.weights):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_the_queue_keeps_a_worker_on_what_it_has_compiled():
    config = resolve_config({})
    split = bgd.split_data()

    def task(optimizer: str, n: int, first: int) -> Task:
        configs = (resolve_config({**config, "optimizer": optimizer}),) * n
        return Task("vectorized", split, configs, tuple(range(n)), tuple(range(first, first + n)))

    tasks = [task("sgd", 10, 0), task("adam", 40, 10), task("sgd", 30, 50), task("adam", 5, 80)]
    queue = executors._Queue(tasks)
    sgd, adam = queue.keys[0], queue.keys[1]
    assert sgd != adam and queue.keys[2] == sgd and queue.keys[3] == adam
    assert queue.take(set(), set()) == 1  # the key with the most work left, its largest task
    assert queue.take(set(), {adam}) == 2  # a second worker starts on another key
    assert queue.take({adam}, {sgd}) == 3  # a worker stays on what it has compiled
    queue.put(3)  # its worker was lost: the task comes back
    assert queue.take({sgd}, set()) == 0
    assert queue.take({sgd}, {adam}) == 3  # nothing of its own left: it takes what is left
    assert queue.take(set(), set()) is None


@pytest.mark.slow
def test_results_do_not_depend_on_tensorflow_threads(tmp_path):
    """A process with 1 TensorFlow thread and one with 2 train the same group identically.

    Executors' workers run one thread each, a serial sweep runs TensorFlow's default; the
    frames must still agree number for number. A group of 600 members evaluated on the 412
    test rows is large enough for TensorFlow to split one big product over threads.
    """
    import subprocess
    import sys

    script = (
        "import sys, numpy as np, banknote_gd as bgd\n"
        "from banknote_gd import engine, engines\n"
        "engines._limit_threads(int(sys.argv[1]))\n"
        "split = bgd.split_data(standardize=False)\n"
        "rates = np.repeat(np.geomspace(0.01, 10, 600)[:, None].astype('f4'), 20, axis=1)\n"
        "result = engine.train_group(split, optimizer='adam', batch_size=96, epochs=2,\n"
        "    hidden_units=0, seeds=list(range(600)), learning_rates=rates)\n"
        "np.save(sys.argv[2], np.stack([result.metrics[k] for k in sorted(result.metrics)]))\n"
    )
    for threads in (1, 2):
        subprocess.run(
            [sys.executable, "-c", script, str(threads), str(tmp_path / f"{threads}.npy")],
            check=True,
        )
    one, two = np.load(tmp_path / "1.npy"), np.load(tmp_path / "2.npy")
    assert one.shape == (6, 600, 2)
    np.testing.assert_array_equal(one, two)
