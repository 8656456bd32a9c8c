"""The command line: data, sweep (with results file and figure), options, cache."""

from __future__ import annotations

import pytest

import banknote_gd as bgd
from banknote_gd.cli import main, parse_assignments


def test_data_prints_the_verified_cached_file(capsys, banknote_data_home):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert str(banknote_data_home) in out and "46400 bytes" in out


def test_data_from_seeds_another_cache(capsys, tmp_path, banknote_data_home):
    assert main(["data", "--from", str(banknote_data_home), "--data-home", str(tmp_path)]) == 0
    assert (tmp_path / "data_banknote_authentication.txt").is_file()


def test_sweep_writes_results_and_a_figure(capsys, tmp_path):
    out, png = tmp_path / "sweep.csv", tmp_path / "sweep.png"
    status = main(
        [
            "sweep",
            "learning_rate=0.05,0.5",
            "batch_size=64",
            "--seeds",
            "2",
            "--epochs",
            "2",
            "--out",
            str(out),
            "--plot",
            str(png),
            "--no-progress",
        ]
    )
    assert status == 0
    frame = bgd.read_results(out)
    assert len(frame) == 2 * 2 * 2 * 6  # rates x seeds x epochs x (3 splits x 2 metrics)
    assert sorted(frame["learning_rate"].unique()) == [0.05, 0.5]
    assert set(frame["batch_size"]) == {64}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "train loss" in printed and "0.05" in printed and str(out) in printed


def test_parse_assignments_types_values():
    assert parse_assignments(["optimizer=sgd,adam", "epochs=3", "standardize=no"]) == {
        "optimizer": ["sgd", "adam"],
        "epochs": [3],
        "standardize": [False],
    }


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["sweep", "learning_rat=0.1"], "unknown parameter 'learning_rat'"),
        (["sweep", "learning_rate=fast"], "learning_rate takes a float; 'fast'"),
        (["sweep", "learning_rate"], "is not of the form PARAMETER=VALUE"),
        (["sweep", "batch_size=16", "--hue", "colour"], "--hue must be one of"),
        (["sweep", "batch_size=16", "--plot", "missing/dir/x.png"], "folder of --plot"),
        (["sweep", "batch_size=16", "--workers", "0"], "--workers must be >= 1, got 0"),
        (
            ["sweep", "batch_size=16", "--workers", "2", "--scheduler", "tcp://h:8786"],
            "not allowed with argument",
        ),
    ],
)
def test_bad_command_lines_exit_2_with_a_clear_message(capsys, argv, match):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert match in capsys.readouterr().err


def test_bad_values_found_by_the_package_exit_2(capsys):
    assert main(["sweep", "learning_rate=-1", "--no-progress"]) == 2
    assert "learning_rate must be a finite number > 0, got -1.0" in capsys.readouterr().err


def test_options_lists_the_registries(capsys):
    assert main(["options"]) == 0
    out = capsys.readouterr().out
    for name in [*bgd.available_optimizers(), *bgd.available_schedules(), *bgd.PARAMETERS]:
        assert name in out


def test_cache_info_and_clear(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("BANKNOTE_GD_CACHE", str(tmp_path))
    bgd.sweep({"learning_rate": [0.1]}, seeds=1, epochs=1)
    assert main(["cache", "info"]) == 0
    assert "1 cached sweep result(s)" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "removed 1" in capsys.readouterr().out
