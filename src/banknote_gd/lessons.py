"""The course's lessons, shipped with the package, written out as notebooks.

The lessons are Jupytext percent-format files (``NN_name.py``). A wheel carries them in
``banknote_gd/tutorials/`` (see the repository's ``setup.py``); an editable install reads the
repository's ``tutorials/`` folder. :func:`write_lessons` (``banknote-gd lessons DIR`` on the
command line) turns them into unexecuted Jupyter notebooks that a learner runs in any
notebook front end. It never overwrites a notebook the learner has changed unless asked.

Writing notebooks needs Jupytext, which the ``lessons`` extra installs
(``pip install "banknote-gd[lessons]"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["WrittenLessons", "lesson_sources", "write_lessons"]

LESSON_PATTERN = re.compile(r"^\d\d_[A-Za-z0-9_]+\.py$")
"""File names of lessons: two digits, an underscore, a name (``05_learning_rate.py``)."""
_LINK = re.compile(r"\]\((\d\d_[A-Za-z0-9_]+)\.py(#[^)]*)?\)")
_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class WrittenLessons:
    """What :func:`write_lessons` did, one list of notebook paths per outcome."""

    directory: Path
    written: list[Path] = field(default_factory=list)
    """Notebooks written: new, or overwritten with ``force=True``."""
    unchanged: list[Path] = field(default_factory=list)
    """Notebooks already there, identical to the lesson: left as they are."""
    kept: list[Path] = field(default_factory=list)
    """Notebooks there that differ from the lesson (edited by the learner, or from another
    version of the package): left as they are because ``force`` was false."""


def lesson_sources() -> list[Path]:
    """The lessons' Jupytext sources, in course order.

    Returns
    -------
    list of pathlib.Path
        ``NN_name.py`` files from the installed package's ``tutorials`` folder, or from the
        repository's ``tutorials/`` when the package runs from a source tree (an editable
        install).

    Raises
    ------
    FileNotFoundError
        If neither folder holds a lesson (a broken install).

    Examples
    --------
    >>> from banknote_gd.lessons import lesson_sources
    >>> lesson_sources()[0].name
    '01_data.py'
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "tutorials", package.parents[1] / "tutorials"):
        found = sorted(p for p in folder.glob("*.py") if LESSON_PATTERN.match(p.name))
        if found:
            return found
    raise FileNotFoundError(
        f"no lessons found in {package / 'tutorials'} (an installed wheel) or in "
        f"{package.parents[1] / 'tutorials'} (a source tree); reinstall banknote-gd."
    )


def _notebook_text(source: Path) -> str:
    """The unexecuted notebook of one lesson, as the text of an ``.ipynb`` file."""
    try:
        import jupytext
    except ImportError as error:
        raise ImportError(
            'writing the lessons as notebooks needs Jupytext: pip install "banknote-gd[lessons]"'
        ) from error

    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = dict(_KERNELSPEC)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:03d}"  # not random: the same lesson gives the same file
        # Links between lessons (in text, or in Markdown a cell prints) point at the
        # notebooks written beside this one.
        cell.source = _LINK.sub(r"](\1.ipynb\2)", cell.source)
    return jupytext.writes(notebook, fmt="ipynb")


def write_lessons(directory: str | Path, *, force: bool = False) -> WrittenLessons:
    """Write every lesson as an unexecuted Jupyter notebook into ``directory``.

    Parameters
    ----------
    directory
        Folder for the notebooks (``01_data.ipynb``, ...); created if missing.
    force
        Overwrite notebooks that differ from the lessons (for instance ones you edited).
        By default they are kept, and listed in the result's ``kept``.

    Returns
    -------
    WrittenLessons
        The notebooks written, those already identical, and those kept.

    Raises
    ------
    NotADirectoryError
        If ``directory`` exists and is not a folder.
    ImportError
        If Jupytext is not installed (``pip install "banknote-gd[lessons]"``).

    Examples
    --------
    >>> import tempfile
    >>> from banknote_gd.lessons import write_lessons
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = write_lessons(folder)
    ...     again = write_lessons(folder)  # nothing changed: nothing to write
    >>> first.written[0].name
    '01_data.ipynb'
    >>> (len(again.written), len(again.unchanged) == len(first.written))
    (0, True)
    """
    folder = Path(directory).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"directory must be a folder for the notebooks; {str(directory)!r} is a file."
        )
    folder.mkdir(parents=True, exist_ok=True)
    result = WrittenLessons(folder)
    for source in lesson_sources():
        target = folder / f"{source.stem}.ipynb"
        text = _notebook_text(source)
        if target.is_file():
            if target.read_text(encoding="utf-8") == text:
                result.unchanged.append(target)
                continue
            if not force:
                result.kept.append(target)
                continue
        target.write_text(text, encoding="utf-8")
        result.written.append(target)
    return result
