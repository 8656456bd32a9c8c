"""The data loader: real shapes, counts and hashes, the split, and every failure mode."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest

import banknote_gd as bgd
from banknote_gd import data


def test_loaded_frame_has_the_documented_shape_columns_and_classes():
    frame = bgd.load_banknotes()
    assert frame.shape == (1372, 5)
    assert list(frame.columns) == ["variance", "skewness", "kurtosis", "entropy", "class"]
    assert frame["class"].value_counts().to_dict() == {0: 762, 1: 610}
    assert frame["class"].dtype == np.int64
    assert all(frame[c].dtype == np.float64 for c in bgd.FEATURES)
    assert int(frame.duplicated().sum()) == 24


def test_cached_file_has_the_published_sha256(banknote_data_home):
    path = bgd.data_path()
    assert path.parent == banknote_data_home
    assert hashlib.sha256(path.read_bytes()).hexdigest() == bgd.DATA_SHA256
    assert path.stat().st_size == 46400


def test_return_X_y():
    X, y = bgd.load_banknotes(return_X_y=True)
    assert X.shape == (1372, 4) and y.shape == (1372,)
    assert list(X.columns) == list(bgd.FEATURES)


def test_environment_variable_chooses_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("BANKNOTE_GD_DATA", str(tmp_path))
    assert bgd.get_data_home() == tmp_path
    assert bgd.get_data_home(tmp_path / "other") == tmp_path / "other"


def test_cached_file_is_used_without_touching_the_network(monkeypatch):
    import pooch

    def no_network(*args, **kwargs):
        raise AssertionError("pooch.retrieve was called although the file is cached")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    assert bgd.load_banknotes().shape == (1372, 5)


def test_first_use_downloads_into_the_cache_and_verifies(monkeypatch, tmp_path, banknote_data_home):
    import pooch

    calls = []

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.append(url)
        shutil.copyfile(banknote_data_home / fname, path / fname)
        return str(path / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    frame = bgd.load_banknotes(data_home=tmp_path / "new")
    assert calls == [bgd.DATA_URL]
    assert frame.shape == (1372, 5)
    assert (tmp_path / "new" / data.DATA_FILENAME).is_file()


def test_no_network_and_no_cache_says_what_to_do(monkeypatch, tmp_path):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(bgd.DataUnavailableError, match="Could not download") as info:
        bgd.load_banknotes(data_home=tmp_path)
    message = str(info.value)
    assert bgd.DATA_URL in message and str(tmp_path) in message and "--from" in message


def test_download_false_refuses_to_download(tmp_path):
    with pytest.raises(bgd.DataUnavailableError, match="download=False"):
        bgd.load_banknotes(data_home=tmp_path, download=False)


@pytest.mark.parametrize("damage", ["truncate", "replace"])
def test_damaged_cache_file_is_reported_and_never_parsed(monkeypatch, tmp_path, damage):
    path = tmp_path / data.DATA_FILENAME
    good = bgd.data_path().read_bytes()
    path.write_bytes(good[:1000] if damage == "truncate" else good.replace(b"0", b"1"))
    actual = hashlib.sha256(path.read_bytes()).hexdigest()

    def must_not_parse(*args, **kwargs):
        raise AssertionError("a damaged file was parsed")

    monkeypatch.setattr(pd, "read_csv", must_not_parse)
    with pytest.raises(bgd.DataIntegrityError) as info:
        bgd.load_banknotes(data_home=tmp_path)
    message = str(info.value)
    assert str(path) in message and actual in message and bgd.DATA_SHA256 in message
    assert "Delete it" in message


def test_unwritable_cache_folder_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="Cannot create the data cache folder"):
        bgd.load_banknotes(data_home=blocker / "cache")


def test_a_cache_folder_that_is_a_file_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"a-file is a file, not a folder.*data_home="):
        bgd.load_banknotes(data_home=blocker)


def test_split_refuses_a_standardize_that_is_not_a_bool():
    with pytest.raises(TypeError, match=r"standardize must be True or False, got 'no'"):
        bgd.split_data(standardize="no")


def test_seed_data_cache_copies_and_rejects_a_bad_copy(tmp_path, banknote_data_home):
    target = bgd.seed_data_cache(banknote_data_home, data_home=tmp_path / "seeded")
    assert target.read_bytes() == (banknote_data_home / data.DATA_FILENAME).read_bytes()
    bad = tmp_path / "bad" / data.DATA_FILENAME
    bad.parent.mkdir()
    bad.write_bytes(b"1,2,3,4,0\r\n")
    with pytest.raises(bgd.DataIntegrityError, match="expected " + bgd.DATA_SHA256):
        bgd.seed_data_cache(bad, data_home=tmp_path / "other")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        bgd.seed_data_cache(tmp_path / "nowhere")


def test_split_sizes_and_scaler_fitted_on_training_rows_only():
    split = bgd.split_data()
    assert split.X_train.shape == (960, 4) and split.X_test.shape == (412, 4)
    assert split.y_train.shape == (960,) and split.y_test.shape == (412,)
    assert split.X_train.dtype == np.float32
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(split.X_train.std(axis=0), 1, atol=1e-4)
    # the test rows were scaled with the training statistics, so they are not exactly centred
    assert np.abs(split.X_test.mean(axis=0)).max() > 1e-3
    raw = bgd.split_data(standardize=False)
    assert not raw.standardized and np.abs(raw.X_train.mean(axis=0)).max() > 0.1
    assert set(np.unique(split.y_train)) == {0.0, 1.0}


def test_split_is_reproducible_and_follows_random_state():
    a, b = bgd.split_data(), bgd.split_data()
    np.testing.assert_array_equal(a.X_train, b.X_train)
    c = bgd.split_data(random_state=1)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("test_size", [0, 1, 1.5, -0.1])
def test_split_rejects_test_size_outside_the_open_interval(test_size):
    with pytest.raises(ValueError, match=r"test_size must be strictly between 0 and 1, got"):
        bgd.split_data(test_size=test_size)


def test_validation_part_is_carved_from_the_training_rows_stratified():
    full = bgd.split_data(standardize=False)
    assert full.X_val.shape == (0, 4) and full.y_val.shape == (0,)
    part = bgd.split_data(standardize=False, validation_size=0.25)
    assert part.X_train.shape == (720, 4) and part.X_val.shape == (240, 4)
    np.testing.assert_array_equal(part.X_test, full.X_test)  # the test rows do not move
    rows = lambda X: {tuple(r) for r in X}  # noqa: E731
    assert rows(part.X_train) | rows(part.X_val) == rows(full.X_train)
    assert len(rows(part.X_train) & rows(part.X_val)) <= 24 // 2  # only duplicated notes
    # stratified: the forged share of each part is the training rows' share, to one row
    share = full.y_train.mean()
    assert abs(part.y_val.mean() - share) <= 1 / 240 and abs(part.y_train.mean() - share) <= 1 / 720
    assert part.validation_size == 0.25 and part.random_state == 42


def test_scaler_is_fitted_on_the_remaining_training_rows_only():
    part = bgd.split_data(validation_size=0.3)
    np.testing.assert_allclose(part.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(part.X_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(part.X_val.mean(axis=0)).max() > 1e-3


def test_validation_carve_out_follows_random_state():
    a = bgd.split_data(validation_size=0.2, random_state=1)
    b = bgd.split_data(validation_size=0.2, random_state=1)
    c = bgd.split_data(validation_size=0.2, random_state=2)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert a.X_val.shape == c.X_val.shape and not np.array_equal(a.X_val, c.X_val)


@pytest.mark.parametrize(
    ("validation_size", "error", "match"),
    [
        (1.0, ValueError, r"0 <= validation_size < 1, got 1.0"),
        (-0.2, ValueError, r"0 <= validation_size < 1, got -0.2"),
        ("0.2", TypeError, r"validation_size must be a fraction in \[0, 1\), got '0.2'"),
        (True, TypeError, r"validation_size must be a fraction"),
        (0.0001, ValueError, r"validation_size=0.0001 carves 1 of the 960 training rows"),
        (0.9999, ValueError, r"choose validation_size between 0.0021 and 0.9979"),
    ],
)
def test_split_rejects_a_bad_validation_size(validation_size, error, match):
    with pytest.raises(error, match=match):
        bgd.split_data(validation_size=validation_size)


def test_split_rejects_a_frame_without_the_columns():
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['class'\]"):
        bgd.split_data(bgd.load_banknotes().drop(columns="class"))
