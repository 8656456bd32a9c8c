"""The lessons' shape: what every lesson promises a reader, checked on the sources.

Executing them is the site build's job (slow tests); these checks are fast.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
SWEEP_LESSONS = {"05_learning_rate", "06_batch_size", "07_schedules", "08_optimizers"}


def cells(path: Path):
    import jupytext

    return jupytext.read(path).cells


def test_there_are_eight_lessons_in_order():
    assert [p.stem[:2] for p in LESSONS] == [f"{i:02d}" for i in range(1, 9)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_the_course_shape(path):
    lesson = cells(path)
    markdown = "\n".join(c.source for c in lesson if c.cell_type == "markdown")
    code = [c.source for c in lesson if c.cell_type == "code"]
    assert lesson[0].cell_type == "markdown" and lesson[0].source.startswith("# ")
    assert len(re.findall(r"(?m)^# ", markdown)) == 1, "exactly one H1"
    assert "What you will learn" in lesson[0].source
    assert "## Conclusion" in markdown
    assert "import banknote_gd as bgd" in code[0]
    assert not re.search(r"(?m)^\s*[!%]?pip install", "\n".join(code)), "no pip commands"
    following = (int(path.stem[:2]) % 8) + 1
    assert re.search(rf"\]\({following:02d}_[a-z_]+\.py\)", markdown), "links to the next lesson"
    for source in code:
        ast.parse(source.replace("%matplotlib inline", ""))


@pytest.mark.parametrize(
    "path", [p for p in LESSONS if p.stem in SWEEP_LESSONS], ids=lambda p: p.stem
)
def test_sweep_lessons_average_over_at_least_ten_seeds(path):
    first = cells(path)[1].source
    seeds = re.search(r"(?m)^SEEDS\s*=\s*(\d+)", first)
    assert seeds and int(seeds.group(1)) >= 10, "SEEDS (first code cell) must be >= 10"
    text = path.read_text()
    assert "bgd.sweep(" in text and "seeds=SEEDS" in text


def test_no_notebooks_or_data_are_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [f for f in tracked if f.endswith(".ipynb")]
    assert not [f for f in tracked if "banknote_authentication" in f]
