"""Every example in the package's docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import banknote_gd

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(banknote_gd.__path__, prefix="banknote_gd.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["banknote_gd", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
