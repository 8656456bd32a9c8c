"""The lessons: their shape, the list the site derives from them, and the notebooks the package
writes from them. All checked on the sources, without building the site.

Executing them is the site build's job (slow tests); these checks are fast.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from banknote_gd import cli
from banknote_gd.lessons import lesson_sources, write_lessons

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
SWEEP_LESSONS = {"05_learning_rate", "06_batch_size", "07_schedules", "08_optimizers"}


def cells(path: Path):
    import jupytext

    return jupytext.read(path).cells


def test_lessons_are_numbered_one_to_n_with_no_gap():
    assert len(LESSONS) >= 8
    assert [p.stem[:2] for p in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", p.stem) for p in LESSONS)


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
    # Links to other lessons name their files (the site turns them into page links).
    names = {p.stem for p in LESSONS}
    linked = set(re.findall(r"\]\((\d\d_[A-Za-z0-9_]+)\.py[#)]", markdown))
    assert linked <= names, f"links to lessons that do not exist: {sorted(linked - names)}"
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


# --------------------------------------------------------------------------- the list of lessons
def _hook():
    """docs/hooks/execute_lessons.py, imported as a module (it needs MkDocs, not a build)."""
    pytest.importorskip("mkdocs")
    if "execute_lessons" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "execute_lessons", ROOT / "docs" / "hooks" / "execute_lessons.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["execute_lessons"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["execute_lessons"]


def _nav() -> list:
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml")).nav


def test_every_lesson_has_a_title_and_a_one_paragraph_description():
    hook = _hook()
    lessons = hook.read_lessons(ROOT / "tutorials")
    assert [lesson.name for lesson in lessons] == [p.stem for p in LESSONS]
    for lesson in lessons:
        assert lesson.title and "\n" not in lesson.title, lesson.name
        assert 20 <= len(lesson.description) <= 400, (lesson.name, lesson.description)
        assert not lesson.description.startswith("**"), lesson.name
        assert "What you will learn" not in lesson.description, lesson.name


def test_the_lessons_are_numbered_for_the_site_or_the_build_says_why(tmp_path):
    hook = _hook()
    shutil.copytree(ROOT / "tutorials", tmp_path / "tutorials")
    last = sorted((tmp_path / "tutorials").glob("*.py"))[-1]
    last.rename(last.with_name(f"{int(last.name[:2]) + 2:02d}{last.name[2:]}"))  # a gap
    with pytest.raises(hook.PluginError, match="numbered 01, 02, 03"):
        hook.read_lessons(tmp_path / "tutorials")


def test_a_new_lesson_is_one_new_file(tmp_path):
    """A dummy lesson added to a copy of the tree appears in the nav, the home page's table
    and the previous lesson's next link, with no other file edited."""
    hook = _hook()
    shutil.copytree(ROOT / "tutorials", tmp_path / "tutorials")
    number = len(LESSONS) + 1
    name = f"{number:02d}_dummy_lesson"
    (tmp_path / "tutorials" / f"{name}.py").write_text(
        "# %% [markdown]\n# # A dummy lesson\n#\n# **What a dummy lesson teaches, in one"
        "\n# paragraph.**\n#\n# **What you will learn**\n\n# %%\nimport banknote_gd as bgd\n"
    )
    course = hook.load_course(tmp_path)
    hook._COURSE.update(course)

    nav = hook.with_lessons_nav(_nav(), course["built"])
    section = next(item["Lessons"] for item in nav if "Lessons" in item)
    assert section[-1] == {f"{number}. A dummy lesson": f"lessons/{name}.ipynb"}
    assert len(section) == number
    assert [next(iter(entry.values())) for entry in section[:-1]] == [
        f"lessons/{p.stem}.ipynb" for p in LESSONS
    ]

    page = SimpleNamespace(file=SimpleNamespace(src_uri="index.md"))
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    home = hook.on_page_markdown(index, page, SimpleNamespace(), None)
    assert hook.TABLE_PLACEHOLDER not in home
    row = (
        f"| {number} | [A dummy lesson](lessons/{name}.ipynb) | What a dummy lesson teaches, in one"
    )
    assert row + " paragraph. |" in home
    for path in LESSONS:
        assert f"](lessons/{path.stem}.ipynb)" in home

    before = hook.next_lesson_html(course["built"], LESSONS[-1].stem, use_directory_urls=True)
    assert f'href="../{name}/"' in before and f"{number}. A dummy lesson" in before
    after = hook.next_lesson_html(course["built"], name, use_directory_urls=True)
    assert "last lesson" in after and 'href="../../"' in after


def test_the_next_link_is_not_doubled_when_a_lesson_already_has_one(tmp_path):
    hook = _hook()
    lessons = hook.read_lessons(ROOT / "tutorials")[:2]
    source = tmp_path / f"{lessons[0].name}.py"
    text = "# %% [markdown]\n# # One\n#\n# First.\n\n# %%\nx = 1\n"
    source.write_text(text + f"\n# %% [markdown]\n# Next: [two]({lessons[1].name}.py)\n")
    assert hook._links_to_next_lesson(source, lessons)
    source.write_text(text)
    assert not hook._links_to_next_lesson(source, lessons)


def test_building_some_lessons_only_lists_only_those():
    hook = _hook()
    lessons = hook.read_lessons(ROOT / "tutorials")
    assert hook.select_lessons(lessons, "") == lessons
    assert [lesson.number for lesson in hook.select_lessons(lessons, "1, 3")] == [1, 3]
    with pytest.raises(hook.PluginError, match="do not exist: \\[99\\]"):
        hook.select_lessons(lessons, "1,99")
    with pytest.raises(hook.PluginError, match="lesson numbers like 1,5"):
        hook.select_lessons(lessons, "one")


# --------------------------------------------------------------------------- notebooks to take home
def test_the_package_finds_every_lesson():
    assert [p.name for p in lesson_sources()] == [p.name for p in LESSONS]


def test_write_lessons_writes_unexecuted_notebooks_linking_each_other(tmp_path):
    result = write_lessons(tmp_path / "course")
    assert [p.name for p in result.written] == [f"{p.stem}.ipynb" for p in LESSONS]
    assert result.unchanged == [] and result.kept == []
    for path in result.written:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"
        assert "jupytext" not in notebook["metadata"]
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
        text = "".join("".join(c["source"]) for c in notebook["cells"])
        assert not re.search(r"\]\(\d\d_[A-Za-z0-9_]+\.py[#)]", text)  # links go to notebooks
    assert write_lessons(tmp_path / "course").unchanged == result.written


def test_write_lessons_keeps_an_edited_notebook_unless_forced(tmp_path, capsys):
    folder = tmp_path / "course"
    assert cli.main(["lessons", str(folder)]) == 0
    edited = folder / f"{LESSONS[1].stem}.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("import", "import  "))
    mine = edited.read_text(encoding="utf-8")
    capsys.readouterr()

    assert cli.main(["lessons", str(folder)]) == 1
    err = capsys.readouterr().err
    assert edited.name in err and "--force" in err
    assert edited.read_text(encoding="utf-8") == mine  # kept

    assert cli.main(["lessons", str(folder), "--force"]) == 0
    assert f"wrote {edited}" in capsys.readouterr().out
    assert edited.read_text(encoding="utf-8") != mine


def test_write_lessons_refuses_a_file_as_the_folder(tmp_path, capsys):
    (tmp_path / "course").write_text("not a folder")
    assert cli.main(["lessons", str(tmp_path / "course")]) == 2
    assert "'" + str(tmp_path / "course") + "' is a file" in capsys.readouterr().err


# --------------------------------------------------------------------------- kept kernels
SPOILER = """# %%
import os
import sys
import warnings

import keras
import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

import banknote_gd as bgd

sys.path.insert(0, {folder!r})
import warner

warner.warn()
bgd.set_style()
mpl.rcParams["lines.linewidth"] = 9.0
pd.set_option("display.precision", 1)
os.environ["BANKNOTE_GD_SPOILER"] = "spoilt"
warnings.simplefilter("ignore")
os.chdir({folder!r})
leftover = keras.layers.Dense(1).name
plt.figure()
print("spoilt:", leftover, mpl.rcParams["lines.linewidth"], pd.get_option("display.precision"))
"""

PROBE = """# %%
import os
import sys
import warnings

import keras
import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib_inline.backend_inline import InlineBackend

sys.path.insert(0, {folder!r})
import warner

warner.warn()
print("left over:", "leftover" in globals(), "figures:", plt.get_fignums())
formats = InlineBackend.instance().figure_formats
print("line width:", mpl.rcParams["lines.linewidth"], "formats:", formats)
print("precision:", pd.get_option("display.precision"), "filters:", len(warnings.filters))
print("environment:", os.environ.get("BANKNOTE_GD_SPOILER"), "folder:", os.getcwd())
print("layer:", keras.layers.Dense(1).name)

# %%
1 + 1
"""


@pytest.mark.slow
def test_a_kept_kernel_gives_a_lesson_the_notebook_a_fresh_kernel_gives(tmp_path):
    """The build executes lesson after lesson in one kernel: a lesson that changes every
    setting it can must leave the next lesson the notebook it gets in a fresh kernel; a
    lesson that fails is reported by name and the next gets a fresh kernel."""
    import asyncio

    hook = _hook()
    (tmp_path / "warner.py").write_text(
        "import warnings\n\n\ndef warn():\n    warnings.warn('shown in every lesson')\n"
    )
    texts = {
        "spoiler": SPOILER,
        "probe_kept": PROBE,
        "failing": "# %%\nimport banknote_gd as bgd\n\n1 / 0\n",
        "probe_fresh": PROBE,
    }
    lessons = {}
    for name, text in texts.items():
        source = tmp_path / f"{name}.py"
        source.write_text(text.format(folder=str(tmp_path)))
        notebook, key = tmp_path / f"{name}.ipynb", tmp_path / f"{name}.json"
        lessons[name] = hook.Lesson(name, source, notebook, key, "key")
    env = hook._kernel_env(ROOT)

    def run(*names):
        return asyncio.run(hook._execute_all([lessons[n] for n in names], ROOT, env, 1))

    assert run("spoiler", "probe_kept") == []  # one kernel, kept from one to the other
    errors = run("failing", "probe_fresh")  # the failure takes its kernel: a fresh one next
    assert [name for name, _ in errors] == ["failing"]
    assert "ZeroDivisionError" in errors[0][1]

    def outputs(name):
        cells = json.loads(lessons[name].notebook.read_text())["cells"]
        return [(c["execution_count"], c["outputs"]) for c in cells if c["cell_type"] == "code"]

    def printed(cells):
        return "".join("".join(o.get("text", "")) for _, outs in cells for o in outs)

    spoilt = printed(outputs("spoiler"))
    assert "spoilt: dense 9.0 1" in spoilt  # the spoiler did change the settings
    kept, fresh = outputs("probe_kept"), outputs("probe_fresh")
    assert kept == fresh
    text = printed(fresh)
    assert "left over: False figures: []" in text
    assert "shown in every lesson" in text  # the warning is not swallowed as "shown before"
    assert f"environment: None folder: {ROOT}" in text
    assert "layer: dense\n" in text
    assert [count for count, _ in kept] == [1, 2]
