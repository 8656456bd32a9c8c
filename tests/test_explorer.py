"""The explorer's data: the grid, the summary and its files tell the truth about sweep's runs.

The small grid goes through the same command (``banknote-gd explorer-data``) and the same code
as the site's grid; configurations picked at random are trained again with ``bgd.sweep`` and
their numbers compared with what the page would read.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd.cli import main
from banknote_gd.explorer import (
    CHANNELS,
    EXPLORER_GRID,
    FULL_BATCH,
    SMALL_GRID,
    ExplorerGrid,
    explorer_data,
    read_explorer_data,
    summarize,
    write_explorer_data,
)
from banknote_gd.frames import history_frame
from banknote_gd.parameters import resolve_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small grid, trained through the command line."""
    folder = tmp_path_factory.mktemp("explorer")
    assert main(["explorer-data", str(folder), "--grid", "small", "--no-progress"]) == 0
    return folder


def test_the_site_grid_covers_the_course() -> None:
    grid = EXPLORER_GRID
    assert grid.optimizers == ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    for optimizer, rates in grid.learning_rates.items():
        assert len(rates) >= 12, optimizer
        assert list(rates) == sorted(rates) and rates[-1] / rates[0] >= 1e4, optimizer
    assert grid.batch_sizes == (1, 16, 32, 64, 128, FULL_BATCH)
    assert grid.schedules[0] == "constant" and len(grid.schedules) >= 3
    assert set(grid.standardize) == {False, True}
    assert grid.seeds == tuple(range(10)) and grid.epochs == 10


def test_site_grid_files_stay_under_three_megabytes(tmp_path: Path) -> None:
    empty = pd.DataFrame(
        columns=[
            "optimizer",
            "learning_rate",
            "batch_size",
            "schedule",
            "standardize",
            "epoch",
            "split",
            "metric",
            "mean",
            "low",
            "high",
            "diverged",
        ]
    )
    path = write_explorer_data(tmp_path, empty, grid=EXPLORER_GRID, n_train=960, n_test=412)
    size = path.stat().st_size + (tmp_path / "grid.f32").stat().st_size
    expected = EXPLORER_GRID.n_configs * len(CHANNELS) * EXPLORER_GRID.epochs * 4
    assert (tmp_path / "grid.f32").stat().st_size == expected
    assert size <= 3_000_000, f"{size} bytes"


def test_summary_equals_sweep_for_random_configurations(small_data: Path) -> None:
    shown = read_explorer_data(small_data)
    meta = json.loads((small_data / "grid.json").read_text())
    assert meta["grid"] == "small" and meta["configs"] == SMALL_GRID.n_configs
    configs = shown.drop_duplicates(["optimizer", "learning_rate", "batch_size", "schedule"])
    rng = np.random.default_rng(2026)
    picked = configs.iloc[rng.choice(len(configs), size=3, replace=False)]
    for _, config in picked.iterrows():
        params = {k: config[k] for k in ("optimizer", "learning_rate", "batch_size", "schedule")}
        frame = bgd.sweep(
            {"standardize": [bool(config["standardize"])]},
            seeds=list(SMALL_GRID.seeds),
            epochs=SMALL_GRID.epochs,
            progress=False,
            cache=False,
            **{k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()},
        )
        kept = frame[~frame["diverged"]]
        expected = kept.groupby(["epoch", "split", "metric"])["value"].agg(["mean", "min", "max"])
        mine = shown[
            (shown[list(params)] == pd.Series(params)).all(axis=1)
            & (shown["standardize"] == config["standardize"])
        ].set_index(["epoch", "split", "metric"])
        assert len(mine) == len(expected) == SMALL_GRID.epochs * 6, params
        mine = mine.loc[expected.index]
        np.testing.assert_allclose(mine["mean"], expected["mean"], rtol=2e-6, atol=1e-7)
        band = mine.index.get_level_values("split") != "train_running"
        np.testing.assert_allclose(mine["low"][band], expected["min"][band], rtol=2e-6)
        np.testing.assert_allclose(mine["high"][band], expected["max"][band], rtol=2e-6)
        assert mine["low"][~band].isna().all()  # the running mean is stored without a band
        n_diverged = frame.groupby("seed")["diverged"].any().sum()
        assert (mine["diverged"] == n_diverged).all()


def _run(config: dict, seed: int, loss: list[float]) -> pd.DataFrame:
    values = {
        ("train", "loss"): loss,
        ("train", "accuracy"): [0.5] * len(loss),
        ("test", "loss"): loss,
        ("test", "accuracy"): [0.5] * len(loss),
    }
    return history_frame(config, seed, steps_per_epoch=1, metrics=values, engine="fit")


def test_diverged_runs_are_counted_and_left_out_of_mean_and_band(tmp_path: Path) -> None:
    base = resolve_config({"learning_rate": 0.01, "epochs": 2, "batch_size": 16})
    blown = {**base, "learning_rate": 1.0}
    frame = pd.concat(
        [
            _run(base, 0, [0.6, 0.4]),
            _run(base, 1, [0.8, 0.2]),
            _run(base, 2, [0.7, float("nan")]),  # diverged in epoch 2
            *(_run(blown, s, [float("inf"), float("nan")]) for s in range(3)),
        ],
        ignore_index=True,
    )
    summary = summarize(frame)
    ok = summary[(summary["learning_rate"] == 0.01) & (summary["split"] == "train")]
    ok = ok[ok["metric"] == "loss"].set_index("epoch")
    assert ok.loc[1, "mean"] == pytest.approx(0.7) and ok.loc[2, "mean"] == pytest.approx(0.3)
    assert (ok.loc[1, "low"], ok.loc[1, "high"]) == (0.6, 0.8)  # seed 2 is left out
    assert (ok["diverged"] == 1).all() and (ok["runs"] == 3).all()
    bad = summary[summary["learning_rate"] == 1.0]
    assert bad["mean"].isna().all() and (bad["diverged"] == 3).all()

    grid = ExplorerGrid(
        learning_rates={"sgd": (0.01, 1.0)},
        batch_sizes=(16,),
        schedules=("constant",),
        standardize=(True,),
        seeds=(0, 1, 2),
        epochs=2,
    )
    write_explorer_data(tmp_path, summary, grid=grid, n_train=960, n_test=412)
    back = read_explorer_data(tmp_path)
    assert back.loc[back["learning_rate"] == 1.0, "mean"].isna().all()
    assert json.loads((tmp_path / "grid.json").read_text())["diverged"] == [1, 3]


def test_a_summary_outside_the_grid_is_refused(tmp_path: Path) -> None:
    config = resolve_config({"learning_rate": 0.7, "epochs": 1})
    summary = summarize(_run(config, 0, [0.5]))
    with pytest.raises(ValueError, match="not in the grid"):
        write_explorer_data(tmp_path, summary, grid=SMALL_GRID, n_train=960, n_test=412)


def test_explorer_data_refuses_a_grid_of_another_type(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="ExplorerGrid"):
        explorer_data(tmp_path, grid={"optimizer": ["sgd"]})


# --------------------------------------------------------------------------- the hook
def _hook():
    spec = importlib.util.spec_from_file_location("explorer_hook", ROOT / "docs/hooks/explorer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hook_rewrites_lesson_links_and_refuses_bad_ones(small_data: Path) -> None:
    from mkdocs.exceptions import PluginError

    hook = _hook()
    hook._state["data_dir"] = small_data
    explorer = SimpleNamespace(url="explorer/")
    files = SimpleNamespace(get_file_from_path={"explorer.md": explorer}.get)
    page = SimpleNamespace(url="lessons/05_learning_rate/", file=SimpleNamespace(src_uri="x.ipynb"))
    html = '<a href="explorer.md#optimizer=sgd&amp;learning_rate=0.05&amp;batch_size=full">'
    out = hook.on_page_content(html, page, None, files)
    assert out == (
        '<a href="../../explorer/#optimizer=sgd&amp;learning_rate=0.05&amp;batch_size=full">'
    )
    for bad in ("optimizer=nadam", "colour=red", "batch_size=big", "standardize=yes"):
        with pytest.raises(PluginError, match="links to the explorer"):
            hook.on_page_content(f'<a href="explorer.md#{bad}">', page, None, files)


def test_an_interrupted_explorer_data_resumes_from_the_optimizers_done(
    small_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from banknote_gd import training

    real = training.sweep
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second optimizer's sweep
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "sweep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        explorer_data(tmp_path, grid=SMALL_GRID, progress=False)
    kept = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert kept == [f"{SMALL_GRID.optimizers[0]}.summary.parquet"]

    calls.clear()
    explorer_data(tmp_path, grid=SMALL_GRID, progress=False)
    assert len(calls) == len(SMALL_GRID.optimizers) - 1  # the first one was not trained again
    # the same files as the uninterrupted run, number for number
    assert (tmp_path / "grid.f32").read_bytes() == (small_data / "grid.f32").read_bytes()
    meta, expected = (json.loads((f / "grid.json").read_text()) for f in (tmp_path, small_data))
    assert {**meta, "seconds": None} == {**expected, "seconds": None}


def test_explorer_data_refuses_summaries_of_another_grid(small_data: Path, tmp_path: Path) -> None:
    import dataclasses
    import shutil

    runs = tmp_path / "runs"
    shutil.copytree(small_data / "runs", runs)  # the small grid's summaries, 10 epochs
    fewer_seeds = dataclasses.replace(SMALL_GRID, seeds=SMALL_GRID.seeds[:2], name="two seeds")
    with pytest.raises(ValueError, match=r"summarises another grid than 'two seeds'.*--runs"):
        explorer_data(tmp_path, grid=fewer_seeds, runs_dir=runs, progress=False)
    more_rates = dataclasses.replace(
        SMALL_GRID,
        learning_rates={k: (*v, 1000.0) for k, v in SMALL_GRID.learning_rates.items()},
    )
    with pytest.raises(ValueError, match="summarises another grid"):
        explorer_data(tmp_path, grid=more_rates, runs_dir=runs, progress=False)
    assert not (tmp_path / "grid.f32").exists()  # nothing written from the wrong summaries


def test_hook_job_reports_a_failed_explorer_data_and_can_be_stopped(tmp_path: Path) -> None:
    import os
    import sys

    from mkdocs.exceptions import PluginError

    hook = _hook()
    failing = [sys.executable, "-c", "import sys; print('no data here'); sys.exit(3)"]
    job = hook._Job("small", tmp_path, "key", failing, ROOT, dict(os.environ))
    with pytest.raises(PluginError, match=r"(?s)explorer-data failed \(exit 3\).*no data here"):
        job.wait()
    assert not (tmp_path / "key.json").exists()  # no key vouches for data that failed
    sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
    job = hook._Job("small", tmp_path, "key", sleeping, ROOT, dict(os.environ))
    job.stop()  # what on_build_error does when the lessons fail
    assert job.process.poll() is not None
