"""The UCI banknote-authentication data: download, cache, verify, load and split.

The data file is fetched from the UCI Machine Learning Repository on first use with
:mod:`pooch`, checked against its SHA-256 and kept in a per-user cache folder. With the file
already there, nothing touches the network.

Cache folder
------------
By default ``pooch.os_cache("banknote-gd")`` (on Linux ``~/.cache/banknote-gd``). Set the
environment variable ``BANKNOTE_GD_DATA`` to use another folder, or pass ``data_home=`` to
:func:`load_banknotes`. To work offline, copy the file into that folder (``banknote-gd data
--from PATH`` does it after checking the hash).

Licence: the data are by Volker Lohweg (2012), published by UCI under CC BY 4.0,
https://doi.org/10.24432/C55P57.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from ._checks import check_bool, check_int

__all__ = [
    "DATA_SHA256",
    "DATA_URL",
    "FEATURES",
    "DataIntegrityError",
    "DataUnavailableError",
    "Split",
    "data_path",
    "get_data_home",
    "load_banknotes",
    "seed_data_cache",
    "split_data",
]

DATA_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/00267/"
    "data_banknote_authentication.txt"
)
"""Where UCI serves the raw data file."""

DATA_FILENAME = "data_banknote_authentication.txt"
DATA_SHA256 = "d0539aaed2139ba7a587b3e34fb345ce503ff7d5d33dbf9912d8e195ce425cb9"
"""SHA-256 of the raw file (46,400 bytes, CRLF line endings)."""

FEATURES: tuple[str, ...] = ("variance", "skewness", "kurtosis", "entropy")
"""The four features, statistics of the wavelet-transformed image of a banknote."""

TARGET = "class"
ENV_VAR = "BANKNOTE_GD_DATA"


class DataUnavailableError(OSError):
    """The data file is not cached and could not be downloaded."""


class DataIntegrityError(OSError):
    """A data file is present but its SHA-256 is not the expected one."""


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds (or will hold) the data file.

    Parameters
    ----------
    data_home
        A folder to use. When ``None``, the environment variable ``BANKNOTE_GD_DATA`` is used
        if set, otherwise the per-user cache folder ``pooch.os_cache("banknote-gd")``.

    Returns
    -------
    pathlib.Path
        The folder (not created by this function).

    Examples
    --------
    >>> get_data_home("/tmp/banknotes")
    PosixPath('/tmp/banknotes')
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import pooch

    return Path(pooch.os_cache("banknote-gd"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path) -> None:
    actual = _sha256(path)
    if actual != DATA_SHA256:
        size = path.stat().st_size
        raise DataIntegrityError(
            f"The data file {path} is damaged or not the UCI banknote file: its SHA-256 is "
            f"{actual} ({size} bytes), expected {DATA_SHA256} (46400 bytes). It was not read. "
            f"Delete it and run again to download a fresh copy, or replace it with a good copy "
            f"(banknote-gd data --from PATH)."
        )


def _check_writable(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"The data cache folder {folder} is a file, not a folder. Choose a folder with "
            f"data_home= or the environment variable {ENV_VAR}."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PermissionError(
            f"Cannot create the data cache folder {folder}: {error.strerror or error}. "
            f"Choose a writable folder with data_home= or the environment variable {ENV_VAR}."
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"The data cache folder {folder} is not writable, so the data file cannot be "
            f"downloaded there. Choose a writable folder with data_home= or the environment "
            f"variable {ENV_VAR}."
        )


def data_path(*, data_home: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Return the path of the verified data file, downloading it on first use.

    Parameters
    ----------
    data_home
        Cache folder; see :func:`get_data_home`.
    download
        If False, raise instead of downloading when the file is not cached.

    Returns
    -------
    pathlib.Path
        Path of ``data_banknote_authentication.txt``, whose SHA-256 has been checked.

    Raises
    ------
    DataIntegrityError
        If the cached file has the wrong hash (truncated or replaced). It is never parsed.
    DataUnavailableError
        If the file is not cached and cannot be downloaded (no network, or ``download=False``).
    PermissionError
        If the cache folder cannot be created or written to.

    Examples
    --------
    >>> data_path().name  # doctest: +SKIP
    'data_banknote_authentication.txt'
    """
    folder = get_data_home(data_home)
    path = folder / DATA_FILENAME
    if path.exists():
        _verify(path)
        return path
    if not download:
        raise DataUnavailableError(
            f"The data file is not cached at {path} and download=False. Run `banknote-gd data` "
            f"once with a network connection, or copy the file there."
        )
    _check_writable(folder)
    import pooch

    try:
        pooch.retrieve(
            DATA_URL,
            known_hash=f"sha256:{DATA_SHA256}",
            fname=DATA_FILENAME,
            path=folder,
            progressbar=False,
        )
    except ValueError as error:  # pooch: downloaded bytes with the wrong hash
        raise DataIntegrityError(
            f"The file downloaded from {DATA_URL} does not have the expected SHA-256 "
            f"{DATA_SHA256}; it was discarded. ({error})"
        ) from error
    except Exception as error:  # network errors come in many types (requests, urllib3, OSError)
        raise DataUnavailableError(
            f"Could not download the banknote data from {DATA_URL} ({type(error).__name__}: "
            f"{error}) and no copy is cached at {path}. Connect to the network and retry, or "
            f"copy the file into {folder} (banknote-gd data --from PATH), or point "
            f"{ENV_VAR} at a folder that holds it."
        ) from error
    _verify(path)
    return path


def seed_data_cache(
    source: str | os.PathLike, *, data_home: str | os.PathLike | None = None
) -> Path:
    """Copy a local copy of the data file into the cache folder, after checking its hash.

    This is how tests, CI and offline machines get the data without a network.

    Parameters
    ----------
    source
        A copy of ``data_banknote_authentication.txt``, or a folder that holds one.
    data_home
        Cache folder; see :func:`get_data_home`.

    Returns
    -------
    pathlib.Path
        Path of the cached file.

    Examples
    --------
    >>> seed_data_cache("../shared/data")  # doctest: +SKIP
    PosixPath('/home/me/.cache/banknote-gd/data_banknote_authentication.txt')
    """
    source = Path(source).expanduser()
    if source.is_dir():
        source = source / DATA_FILENAME
    if not source.is_file():
        raise FileNotFoundError(
            f"source must be the data file or a folder holding it; {source} does not exist."
        )
    _verify(source)
    folder = get_data_home(data_home)
    _check_writable(folder)
    target = folder / DATA_FILENAME
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    _verify(target)
    return target


@overload
def load_banknotes(
    *,
    return_X_y: Literal[False] = ...,
    data_home: str | os.PathLike | None = ...,
    download: bool = ...,
) -> pd.DataFrame: ...
@overload
def load_banknotes(
    *, return_X_y: Literal[True], data_home: str | os.PathLike | None = ..., download: bool = ...
) -> tuple[pd.DataFrame, pd.Series]: ...


def load_banknotes(
    *,
    return_X_y: bool = False,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Load the UCI banknote-authentication data.

    1,372 banknotes, photographed and wavelet-transformed; four statistics of the transformed
    image and whether the note is genuine (class 0, 762 rows) or forged (class 1, 610 rows).
    24 rows repeat an earlier row exactly. UCI spells the third feature "curtosis"; it is
    called ``kurtosis`` here.

    ===========  =============================================
    rows         1372
    features     4 (``float64``): variance, skewness, kurtosis, entropy
    target       ``class`` (``int64``): 0 genuine (762), 1 forged (610)
    ===========  =============================================

    Parameters
    ----------
    return_X_y
        If True, return ``(X, y)``: the features as a ``(1372, 4)`` DataFrame and the classes
        as a Series of length 1372, instead of one frame.
    data_home
        Cache folder; see :func:`get_data_home`.
    download
        If False, raise :class:`DataUnavailableError` instead of downloading a missing file.

    Returns
    -------
    pandas.DataFrame or tuple
        A ``(1372, 5)`` frame with columns ``variance, skewness, kurtosis, entropy, class``,
        or ``(X, y)`` if ``return_X_y``.

    Examples
    --------
    >>> frame = load_banknotes()
    >>> frame.shape
    (1372, 5)
    >>> frame["class"].value_counts().sort_index().tolist()
    [762, 610]
    """
    path = data_path(data_home=data_home, download=download)
    frame = pd.read_csv(path, header=None, names=[*FEATURES, TARGET])
    frame[TARGET] = frame[TARGET].astype(np.int64)
    if return_X_y:
        return frame[list(FEATURES)], frame[TARGET]
    return frame


@dataclass(frozen=True)
class Split:
    """Training, validation and test arrays of the banknote data, as :func:`split_data` returns.

    Attributes
    ----------
    X_train, X_val, X_test : numpy.ndarray
        ``float32`` features, shape ``(n, 4)``; ``X_val`` has shape ``(0, 4)`` when no
        validation part was carved out.
    y_train, y_val, y_test : numpy.ndarray
        ``float32`` classes (0.0 or 1.0), shape ``(n,)``.
    feature_names : tuple of str
        Names of the feature columns.
    standardized : bool
        Whether the features were standardised (with the training rows' mean and spread).
    validation_size : float
        Fraction of the training rows carved out as the validation part (0: none).
    random_state : int
        Seed of the train/test split and of the validation carve-out.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    standardized: bool
    X_val: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), np.float32))
    y_val: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    validation_size: float = 0.0
    random_state: int = 42

    def __repr__(self) -> str:
        return (
            f"Split(train={self.X_train.shape[0]} rows, validation={self.X_val.shape[0]} rows, "
            f"test={self.X_test.shape[0]} rows, features={list(self.feature_names)}, "
            f"standardized={self.standardized})"
        )


def split_data(
    frame: pd.DataFrame | None = None,
    *,
    test_size: float = 0.3,
    random_state: int = 42,
    standardize: bool = True,
    validation_size: float = 0.0,
) -> Split:
    """Split the banknotes into training, validation and test rows, as the course does.

    The rows are shuffled and split with scikit-learn's ``train_test_split``. With
    ``validation_size > 0``, that fraction of the training rows is then carved out as a
    validation part (stratified by class, seeded by ``random_state``); the model never trains
    on it, so settings can be chosen on it without looking at the test rows. With
    ``standardize``, a ``StandardScaler`` is fitted on the remaining training rows only and
    applied to every part (fitting it on all rows first would leak the held-out rows'
    statistics).

    Parameters
    ----------
    frame
        The frame :func:`load_banknotes` returns; loaded when ``None``.
    test_size
        Fraction of rows held out for testing, strictly between 0 and 1.
    random_state
        Seed of the shuffle before the split and of the validation carve-out.
    standardize
        Standardise the features with the training rows' mean and standard deviation.
    validation_size
        Fraction of the training rows held out for validation, ``0 <= validation_size < 1``;
        0 (default) keeps every training row for training.

    Returns
    -------
    Split
        With the defaults: 960 training rows, no validation rows and 412 test rows. The
        training rows are the same, in the same order, whatever ``validation_size`` is when
        it is 0.

    Raises
    ------
    ValueError, TypeError
        For a ``test_size`` or ``validation_size`` outside its range, a ``random_state`` that
        is not a whole number >= 0, or a validation part too small to hold both classes.

    Examples
    --------
    >>> split = split_data()
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((960, 4), (0, 4), (412, 4))
    >>> split = split_data(validation_size=0.2)
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((768, 4), (192, 4), (412, 4))
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from .parameters import check_validation_size

    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.floating)):
        raise TypeError(f"test_size must be a number between 0 and 1, got {test_size!r}.")
    if not 0 < float(test_size) < 1:
        raise ValueError(f"test_size must be strictly between 0 and 1, got {test_size!r}.")
    random_state = check_int("random_state", random_state, minimum=0)
    standardize = check_bool("standardize", standardize)
    validation_size = check_validation_size(validation_size)
    if frame is None:
        frame = load_banknotes()
    _check_banknote_frame(frame)
    X = frame[list(FEATURES)].to_numpy(dtype=np.float64)
    y = frame[TARGET].to_numpy(dtype=np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=float(test_size), random_state=random_state
    )
    X_val, y_val = np.zeros((0, X.shape[1])), np.zeros(0)
    if validation_size > 0:
        X_train, X_val, y_train, y_val = _carve_validation(
            X_train, y_train, validation_size, random_state
        )
    if standardize:  # the scaler learns from the training rows only
        scaler = StandardScaler().fit(X_train)
        X_train, X_val, X_test = (
            scaler.transform(a) if len(a) else a for a in (X_train, X_val, X_test)
        )
    as32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return Split(
        X_train=as32(X_train),
        X_test=as32(X_test),
        y_train=as32(y_train),
        y_test=as32(y_test),
        feature_names=tuple(FEATURES),
        standardized=bool(standardize),
        X_val=as32(X_val),
        y_val=as32(y_val),
        validation_size=validation_size,
        random_state=random_state,
    )


def _check_banknote_frame(frame: Any) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"frame must be the DataFrame load_banknotes() returns, got {type(frame).__name__}."
        )
    missing = [c for c in (*FEATURES, TARGET) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"frame lacks the column(s) {missing}; pass the frame load_banknotes() returns."
        )


def _carve_validation(X: np.ndarray, y: np.ndarray, size: float, random_state: int):
    """Stratified ``train_test_split`` of the training rows; a clear error if too small."""
    from sklearn.model_selection import train_test_split

    n_val = math.ceil(size * len(y))
    classes = len(np.unique(y))
    if not classes <= n_val <= len(y) - classes:
        raise ValueError(
            f"validation_size={size!r} carves {n_val} of the {len(y)} training rows out as "
            f"validation rows; both parts must hold at least one row of each of the {classes} "
            f"classes, so choose validation_size between {classes / len(y):.4f} and "
            f"{(len(y) - classes) / len(y):.4f} (or 0 for no validation part)."
        )
    return train_test_split(X, y, test_size=size, random_state=random_state, stratify=y)
