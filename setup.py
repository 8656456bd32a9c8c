"""Build step that ships the lessons inside the package.

The lessons live in ``tutorials/NN_*.py`` (Jupytext percent format) at the top of the
repository, where the site and the tests read them. A wheel copies them into
``banknote_gd/tutorials/``, where :mod:`banknote_gd.lessons` finds them, so that
``banknote-gd lessons DIR`` works after a plain ``pip install``. An editable install copies
nothing: :mod:`banknote_gd.lessons` reads the repository's ``tutorials/`` directly. The sdist
carries ``tutorials/`` (MANIFEST.in), so a wheel built from it carries them too. Everything
else is in pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LESSON = re.compile(r"^\d\d_[A-Za-z0-9_]+\.py$")
HERE = Path(__file__).resolve().parent


class BuildPyWithLessons(build_py):
    """``build_py`` that also copies ``tutorials/NN_*.py`` to ``banknote_gd/tutorials/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's tutorials/ in place
        sources = sorted(p for p in (HERE / "tutorials").glob("*.py") if LESSON.match(p.name))
        if not sources:
            raise RuntimeError(f"no lessons (NN_name.py) in {HERE / 'tutorials'} to ship")
        target = Path(self.build_lib, "banknote_gd", "tutorials")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for source in sources:
            shutil.copyfile(source, target / source.name)


setup(cmdclass={"build_py": BuildPyWithLessons})
