"""MkDocs hook: list and execute the lessons, vendor MathJax, and share the notebook CSS.

The list of lessons
    The lesson files are the single source of the course's table of contents: every
    ``tutorials/NN_name.py`` is a lesson, numbered by ``NN`` (1, 2, 3, ... with no gap), titled
    by its one H1 and described by the first paragraph after it. From them the hook derives
    the nav's "Lessons" section (:func:`nav_section`, in ``on_config``), the home page's lesson
    table (:func:`lessons_table`, replacing ``<!-- lessons-table -->`` in ``docs/index.md``)
    and a "Next lesson" link at the end of each lesson page (:func:`next_lesson_html`). So a
    new lesson is one new file. The functions take plain paths and values, so that the tests
    call them without building the site.

    Set ``BANKNOTE_GD_LESSONS`` to a comma-separated list of lesson numbers (``1,5``) to build
    the site with those lessons only (for development, while others are being edited): the
    nav, the table and the links then hold only those.

Lessons
    Every ``tutorials/NN_*.py`` (Jupytext percent format) is converted to a notebook and
    executed with nbclient (cwd = the repository root), longest first (by the last build's
    times; in lesson order on a first build), on two IPython kernels that each execute
    lesson after lesson: a kernel is started, and TensorFlow, Keras and the package
    imported, once per kernel instead of once per lesson, and what the package compiled is
    reused. Before each lesson the kernel is reset (``KERNEL_RESET``: namespace, figures,
    rcParams, warning filters, environment, options, Keras's global state, execution
    count), so that a lesson's notebook is the one a fresh kernel would give; a lesson that
    fails takes its kernel with it. The executed notebooks go to ``docs/lessons/NN_*.ipynb``
    (ignored by git), where mkdocs-jupyter renders them with ``execute: false``. A cell that
    raises fails the build with the lesson's name and the error.
    ``BANKNOTE_GD_LESSON_WORKERS`` sets the number of kernels (default 2).

    A lesson is executed again only when its cache key changes. The key, kept with the
    SHA-256 of the notebook it produced in ``.cache/lessons/NN_*.json``, hashes the lesson
    source, every file under ``src/banknote_gd``, the data file (the expected SHA-256 and
    the SHA-256 of the cached copy), the code below that executes a lesson and the kernel's
    environment settings, and the versions of Python, TensorFlow, Keras, NumPy, pandas,
    Matplotlib, seaborn and scikit-learn. A missing or edited notebook is executed again
    too. Set ``BANKNOTE_GD_REEXECUTE=1`` to execute every lesson regardless. The kernels get
    ``BANKNOTE_GD_CACHE`` (default ``.cache/sweeps``), the package's sweep-result cache.

    Each lesson page says how long its execution took and when, and offers the Jupytext
    ``.py`` source beside the executed ``.ipynb`` (``docs/overrides/main.html``).

Figure fonts
    The build's kernels measure the smallest text of every figure they display (a start-up
    file in a private ``IPYTHONDIR`` patches nothing but adds a JSON display formatter for
    Matplotlib figures). The hook moves that measurement out of the outputs into the
    output's metadata (``banknote_gd.smallest_font_pt``), and marks each figure's ``<img>``
    on the page with ``data-smallest-font-px``: the smallest font in the PNG's own pixels
    (from the PNG's resolution). The browser test scales it by the displayed size to check
    that no figure text is smaller than about 10 CSS px.

API page
    Submodules listed in ``banknote_gd.__all__`` (read from the source) get their own
    section appended to ``api.md``; everything else in ``__all__`` is rendered by
    ``::: banknote_gd`` there.

MathJax
    The site must work offline, so MathJax 3 is not loaded from a CDN: the pinned npm
    package is fetched once with ``npm pack`` (checked against its pinned SHA-512) and its
    ``es5`` folder unpacked into ``docs/javascripts/vendor/mathjax`` (ignored by git).

Notebook CSS
    mkdocs-jupyter inlines the same ~590 kB of JupyterLab CSS into every notebook page. The
    hook moves it into one shared stylesheet, ``assets/stylesheets/notebook.<hash>.css``,
    which the browser caches, and keeps prompts and printed outputs out of the search index.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import hashlib
import inspect
import io
import json
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from mkdocs.exceptions import PluginError

_HOOKS = str(Path(__file__).resolve().parent)
if _HOOKS not in sys.path:  # the hooks' shared modules, beside this file
    sys.path.insert(0, _HOOKS)
from build_inputs import build_inputs  # noqa: E402
from npm_vendor import NpmPackage, ensure_vendored  # noqa: E402

log = logging.getLogger("mkdocs.hooks.execute_lessons")

REEXECUTE_ENV = "BANKNOTE_GD_REEXECUTE"
LESSONS_ENV = "BANKNOTE_GD_LESSONS"
TABLE_PLACEHOLDER = "<!-- lessons-table -->"
NAV_SECTION = "Lessons"
WORKERS_ENV = "BANKNOTE_GD_LESSON_WORKERS"
DEFAULT_WORKERS = 2
CELL_TIMEOUT = 1200  # seconds per cell: generous, a sweep on a slow machine may take minutes
LESSON_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.py$")
KEY_VERSIONS = (
    ("tensorflow", "tensorflow-cpu"),
    ("keras",),
    ("numpy",),
    ("pandas",),
    ("matplotlib",),
    ("seaborn",),
    ("scikit-learn",),
)
# Settings the kernels run with (they are part of the cache key).
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "BANKNOTE_GD_PROGRESS": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

MATHJAX = NpmPackage(
    name="mathjax",
    version="3.2.2",
    integrity=(
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
        "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
    ),
    target=Path("javascripts", "vendor", "mathjax"),
    # the es5 folder: tex-mml-chtml.js and the components and fonts it loads
    select=lambda name: (
        name.removeprefix("package/es5/") if name.startswith("package/es5/") else None
    ),
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Run at the start of every build kernel (an IPython start-up file): IPython's print_figure,
# which turns each displayed Matplotlib figure into the PNG of its output, also notes the
# size of the smallest text it draws, keyed by the PNG's SHA-256, in a JSON-lines file
# (FONT_LOG). The outputs themselves are not changed.
FONT_PROBE = """\
def _banknote_gd_font_probe(log_path):
    import base64
    import hashlib
    import json

    import matplotlib.text
    from IPython.core import pylabtools

    original = pylabtools.print_figure

    def print_figure(fig, *args, **kwargs):
        sizes = []
        draw = matplotlib.text.Text.draw

        def measuring_draw(self, renderer):
            if self.get_visible() and self.get_text().strip():
                sizes.append(float(self.get_fontsize()))
            return draw(self, renderer)

        matplotlib.text.Text.draw = measuring_draw
        try:
            data = original(fig, *args, **kwargs)
        finally:
            matplotlib.text.Text.draw = draw
        png = base64.b64decode(data) if isinstance(data, str) else data
        if isinstance(png, bytes) and png.startswith(b"\\x89PNG") and sizes:
            with open(log_path, "a", encoding="utf-8") as log:
                record = {"sha256": hashlib.sha256(png).hexdigest(), "pt": min(sizes)}
                log.write(json.dumps(record) + "\\n")
        return data

    pylabtools.print_figure = print_figure


_banknote_gd_font_probe(FONT_LOG)
del _banknote_gd_font_probe
"""


# --------------------------------------------------------------------------- MkDocs events
_COURSE: dict[str, list[LessonInfo]] = {}  # "all" lessons and those "built" (LESSONS_ENV)


def on_config(config):
    # mkdocs-jupyter logs every notebook it converts and copies; keep the build log readable.
    for name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):
        logging.getLogger(name).setLevel(logging.WARNING)
    root = _root(config)
    _COURSE.update(load_course(root, os.environ.get(LESSONS_ENV, "")))
    config.nav = with_lessons_nav(config.nav, _COURSE["built"])
    ensure_vendored(MATHJAX, root, Path(config.docs_dir))
    return config


def on_pre_build(config):
    execute_lessons(_root(config), Path(config.docs_dir) / "lessons", _COURSE["built"])


def on_files(files, config):
    """Leave out the executed notebooks of lessons not built (see BANKNOTE_GD_LESSONS)."""
    built = {f"lessons/{lesson.name}.ipynb" for lesson in _COURSE["built"]}
    for file in list(files):
        if _is_lesson_uri(file.src_uri) and file.src_uri not in built:
            files.remove(file)
    return files


_LESSON_LINK = re.compile(r'href="(?:\./)?(\d\d_[A-Za-z0-9_]+)\.py(#[^"]*)?"')


def on_page_content(html, page, config, files):
    if not _is_lesson(page):
        return html
    # Lessons link to each other as `NN_name.py` (the sibling file in Jupyter with jupytext);
    # on the site that is the page of the lesson.
    lessons = {lesson.name for lesson in _COURSE["all"]}

    def to_page(match: re.Match) -> str:
        name, anchor = match.group(1), match.group(2) or ""
        if name not in lessons:
            raise PluginError(f"{page.file.src_uri} links to {name}.py, which is no lesson")
        target = f"../{name}/" if config.use_directory_urls else f"{name}.html"
        return f'href="{target}{anchor}"'

    html = _LESSON_LINK.sub(to_page, html)
    root = _root(config)
    name = Path(page.file.src_uri).stem
    html = _mark_figure_fonts(html, Path(page.file.abs_src_path))
    if not _links_to_next_lesson(root / "tutorials" / f"{name}.py", _COURSE["built"]):
        html += next_lesson_html(_COURSE["built"], name, config.use_directory_urls)
    record = _read_record(root / ".cache" / "lessons" / f"{name}.json")
    if record.get("seconds") is not None:
        page.meta["execution"] = {
            "seconds": f"{float(record['seconds']):.1f}",
            "date": str(record.get("executed_at", ""))[:10],
        }
    page.meta["lesson_source"] = f"{name}.py"
    return _extract_notebook_css(html, page, config)


def on_post_page(output, page, config):
    """Put the lesson's Jupytext source beside its page, for the ".py" download link."""
    if _is_lesson(page):
        name = Path(page.file.src_uri).stem
        target = Path(page.file.abs_dest_path).parent / f"{name}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_root(config) / "tutorials" / f"{name}.py", target)
    return output


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "index.md":
        if TABLE_PLACEHOLDER not in markdown:
            raise PluginError(f"docs/index.md lacks {TABLE_PLACEHOLDER}, where the table goes")
        return markdown.replace(TABLE_PLACEHOLDER, lessons_table(_COURSE["built"]))
    if page.file.src_uri != "api.md":
        return markdown
    return markdown + "".join(
        f"\n\n::: banknote_gd.{name}\n"
        "    options:\n"
        "      show_root_heading: true\n"
        "      show_root_full_path: true\n"
        "      members_order: alphabetical\n"
        "      filters: public\n"
        for name in _exported_modules(_root(config))
    )


def on_post_build(config):
    site = Path(config.site_dir)
    for name, css in _NOTEBOOK_CSS.items():
        target = site / "assets" / "stylesheets" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")


# --------------------------------------------------------------------------- the list of lessons
@dataclass(frozen=True)
class LessonInfo:
    """One lesson as the site lists it, read from its source file by :func:`read_lesson`."""

    number: int
    name: str  # the file's stem, e.g. "05_learning_rate"
    title: str  # the H1
    description: str  # the first paragraph after the H1 (Markdown, bold markers removed)

    @property
    def nav_title(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def doc(self) -> str:
        """The executed notebook's path in the docs folder (what nav and links point at)."""
        return f"lessons/{self.name}.ipynb"


def read_lesson(path: Path) -> LessonInfo:
    """Number, title (the H1) and description (the paragraph after it) of one lesson file."""
    import jupytext

    if not LESSON_PATTERN.match(path.name):
        raise PluginError(f"{path.name} is not a lesson file name (NN_name.py)")
    markdown = [c.source for c in jupytext.read(path).cells if c.cell_type == "markdown"]
    lines = markdown[0].splitlines() if markdown else []
    h1 = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if h1 is None:
        raise PluginError(f"{path}: its first Markdown cell has no H1 title ('# Title')")
    paragraph: list[str] = []
    for line in lines[h1 + 1 :]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    if not paragraph:
        raise PluginError(f"{path}: no paragraph after the H1 to describe the lesson")
    description = " ".join(paragraph)
    if description.startswith("**") and description.endswith("**"):
        if description.count("**") == 2:
            description = description[2:-2].strip()
    return LessonInfo(int(path.name[:2]), path.stem, lines[h1][2:].strip(), description)


def read_lessons(tutorials: Path) -> list[LessonInfo]:
    """Every lesson in ``tutorials``, in order; their numbers must run 1, 2, 3, ..."""
    paths = sorted(p for p in tutorials.glob("*.py") if LESSON_PATTERN.match(p.name))
    lessons = [read_lesson(path) for path in paths]
    if [lesson.number for lesson in lessons] != list(range(1, len(lessons) + 1)):
        raise PluginError(
            f"the lessons in {tutorials} must be numbered 01, 02, 03, ... with no gap and no "
            f"number twice; found {[path.name for path in paths]}"
        )
    return lessons


def load_course(root: Path, spec: str = "") -> dict[str, list[LessonInfo]]:
    """``{"all": every lesson, "built": those the site shows}`` (``spec``: see LESSONS_ENV)."""
    lessons = read_lessons(root / "tutorials")
    return {"all": lessons, "built": select_lessons(lessons, spec)}


def select_lessons(lessons: list[LessonInfo], spec: str) -> list[LessonInfo]:
    """The lessons whose numbers ``spec`` lists (``"1,5"``); all of them if ``spec`` is blank."""
    if not spec.strip():
        return list(lessons)
    try:
        wanted = {int(part) for part in spec.split(",") if part.strip()}
    except ValueError:
        raise PluginError(
            f"{LESSONS_ENV} must list lesson numbers like 1,5; got {spec!r}"
        ) from None
    unknown = sorted(wanted - {lesson.number for lesson in lessons})
    if unknown:
        raise PluginError(f"{LESSONS_ENV}={spec!r} names lessons that do not exist: {unknown}")
    log.info("building lessons %s only (%s is set)", sorted(wanted), LESSONS_ENV)
    return [lesson for lesson in lessons if lesson.number in wanted]


def nav_section(lessons: list[LessonInfo]) -> list[dict[str, str]]:
    """The nav's "Lessons" section: ``[{"1. The data": "lessons/01_data.ipynb"}, ...]``."""
    return [{lesson.nav_title: lesson.doc} for lesson in lessons]


def with_lessons_nav(nav: list | None, lessons: list[LessonInfo]) -> list:
    """``nav`` with its "Lessons" entry replaced by :func:`nav_section`."""
    if not any(isinstance(item, dict) and NAV_SECTION in item for item in nav or []):
        raise PluginError(f"mkdocs.yml's nav needs a '{NAV_SECTION}' entry for the lessons")
    return [
        {NAV_SECTION: nav_section(lessons)}
        if isinstance(item, dict) and NAV_SECTION in item
        else item
        for item in nav or []
    ]


def lessons_table(lessons: list[LessonInfo]) -> str:
    """The home page's Markdown table of the lessons, linking to their pages."""
    rows = [
        f"| {lesson.number} | [{lesson.title}]({lesson.doc}) | "
        f"{lesson.description.replace('|', '&#124;')} |"
        for lesson in lessons
    ]
    return "\n".join(["| # | Lesson | What it shows |", "| -: | ------ | ------------- |", *rows])


def next_lesson_html(lessons: list[LessonInfo], name: str, use_directory_urls: bool) -> str:
    """The link appended to lesson ``name``'s page: to the next lesson, or home after the last."""
    names = [lesson.name for lesson in lessons]
    index = names.index(name)
    if index + 1 < len(lessons):
        following = lessons[index + 1]
        href = f"../{following.name}/" if use_directory_urls else f"{following.name}.html"
        link = f'<a href="{href}">{escape(following.nav_title)}</a>'
        text = f"<strong>Next lesson:</strong> {link}"
    else:
        href = "../../" if use_directory_urls else "../index.html"
        text = f'That was the last lesson. <a href="{href}">Back to the course overview</a>'
    return f'\n<nav class="bgd-next-lesson" aria-label="Next lesson"><p>{text}</p></nav>\n'


def _links_to_next_lesson(source: Path, lessons: list[LessonInfo]) -> bool:
    """Does the lesson's last Markdown cell already link to the next lesson (to lesson 1 from
    the last)? Then no link is appended (lessons written before the hook made them)."""
    import jupytext

    names = [lesson.name for lesson in lessons]
    if source.stem not in names:
        return False
    index = names.index(source.stem)
    target = names[index + 1] if index + 1 < len(names) else names[0]
    markdown = [c.source for c in jupytext.read(source).cells if c.cell_type == "markdown"]
    return bool(markdown) and f"]({target}.py" in markdown[-1]


# --------------------------------------------------------------------------- lessons
@dataclass
class Lesson:
    name: str
    source: Path
    notebook: Path
    key_file: Path
    key: str


def execute_lessons(root: Path, out_dir: Path, lessons: list[LessonInfo] | None = None) -> None:
    """Execute the lessons whose cache key changed; fail with the lesson name on an error.

    ``lessons``: those to execute (default: all). Notebooks of lessons that no longer exist
    are removed.
    """
    start = time.perf_counter()
    existing = sorted(p for p in (root / "tutorials").glob("*.py") if LESSON_PATTERN.match(p.name))
    wanted = {lesson.name for lesson in lessons} if lessons is not None else None
    sources = [p for p in existing if wanted is None or p.stem in wanted]
    out_dir.mkdir(parents=True, exist_ok=True)
    key_dir = root / ".cache" / "lessons"
    key_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir, key_dir, {p.stem for p in existing})

    common = _common_key_parts(root)
    force = os.environ.get(REEXECUTE_ENV, "").strip().lower() not in ("", "0", "false", "no")
    todo: list[Lesson] = []
    for source in sources:
        parts = {**common, "lesson": _sha256_bytes(source.read_bytes())}
        key = _sha256_bytes(json.dumps(parts, sort_keys=True).encode())
        lesson = Lesson(
            name=source.stem,
            source=source,
            notebook=out_dir / f"{source.stem}.ipynb",
            key_file=key_dir / f"{source.stem}.json",
            key=key,
        )
        if not force and _up_to_date(lesson):
            log.info("lesson %s is up to date (cached)", lesson.name)
        else:
            todo.append(lesson)
    if not todo:
        log.info("lessons: all %d up to date, nothing executed", len(sources))
        return

    # Longest first (by the time each took last), so that the two workers finish together.
    todo.sort(key=_last_seconds, reverse=True)
    workers = max(1, int(os.environ.get(WORKERS_ENV, DEFAULT_WORKERS)))
    env = _kernel_env(root)
    errors = asyncio.run(_execute_all(todo, root, env, workers))
    total = time.perf_counter() - start
    if errors:
        details = "\n\n".join(f"lesson {name} failed:\n{error}" for name, error in errors)
        raise PluginError(
            f"{len(errors)} of {len(todo)} lesson(s) failed to execute "
            f"(after {total:.1f} s):\n\n{details}"
        )
    used = min(workers, len(todo))
    log.info(
        "lessons: %d executed, %d cached, in %.1f s in all (%d worker%s)",
        len(todo),
        len(sources) - len(todo),
        total,
        used,
        "" if used == 1 else "s",
    )


async def _execute_all(
    todo: list[Lesson], root: Path, env: dict[str, str], workers: int
) -> list[tuple[str, str]]:
    """Execute ``todo`` (in its order) on ``workers`` kernels, each kept for lesson after
    lesson; a kernel whose lesson failed is replaced by a fresh one for the next."""
    queue = list(todo)
    errors: list[tuple[str, str]] = []

    async def worker() -> None:
        kernel: _Kernel | None = None
        try:
            while queue:
                lesson = queue.pop(0)
                try:
                    kernel = kernel or await _Kernel.start(root, env)
                    seconds = await _execute_one(lesson, root, kernel)
                except Exception as error:  # any failure: cell error, timeout, dead kernel
                    errors.append((lesson.name, _describe(error)))
                    if kernel is not None:  # what the lesson left behind goes with its kernel
                        await kernel.close()
                    kernel = None
                else:
                    log.info("lesson %s executed in %.1f s", lesson.name, seconds)
        finally:
            if kernel is not None:
                await kernel.close()

    await asyncio.gather(*(worker() for _ in range(min(workers, len(todo)))))
    return sorted(errors)


# The libraries every build kernel imports before its first lesson: their imports add
# warning filters and settings, which the kernel's noted state then includes.
KERNEL_IMPORTS = (
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "seaborn",
    "tensorflow",
    "keras",
    "banknote_gd",
)

# Run silently (no output, no execution count) in a kernel before each lesson. The first
# time, in the fresh kernel, it imports KERNEL_IMPORTS and notes the settings a lesson may
# change; before every later lesson it puts them back, so that a lesson executed in a kept
# kernel gives the notebook a fresh kernel would (tests/test_lessons.py checks it): the user
# namespace and output history, open figures, Matplotlib's rcParams and inline figure
# formats, warning filters (and the "shown once" registries with them), environment
# variables and working folder, pandas options, Keras's global state (layer names), the
# global random generators and the execution count.
KERNEL_RESET = """\
def _banknote_gd_reset():
    import gc
    import os
    import random
    import sys
    import types
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib_inline.backend_inline import InlineBackend, set_matplotlib_formats

    shell = get_ipython()
    state = sys.modules.get("_banknote_gd_kernel_state")
    if state is None:
        for name in KERNEL_IMPORTS:  # with the filters and settings their imports make
            __import__(name)
        state = types.ModuleType("_banknote_gd_kernel_state")
        state.rc = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
        state.formats = set(InlineBackend.instance(parent=shell).figure_formats)
        state.filters = list(warnings.filters)
        state.environ = dict(os.environ)
        state.cwd = os.getcwd()
        sys.modules[state.__name__] = state
        return
    shell.reset(new_session=True)  # namespace, output history; new history session, count 1
    plt.close("all")
    matplotlib.rcParams.update(state.rc)
    set_matplotlib_formats(*state.formats)
    warnings.filters[:] = state.filters
    warnings._filters_mutated()
    os.environ.clear()
    os.environ.update(state.environ)
    os.chdir(state.cwd)
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    gc.collect()


_banknote_gd_reset()
globals().pop("_banknote_gd_reset", None)
""".replace("KERNEL_IMPORTS", repr(KERNEL_IMPORTS))


class _Kernel:
    """An IPython kernel (Unix sockets, the font probe) that executes lesson after lesson.

    Starting a kernel and importing TensorFlow, Keras and the package costs seconds per
    lesson; a kept kernel pays it once, and reuses what the package compiled. Before each
    lesson, :data:`KERNEL_RESET` puts back what the lesson before may have changed.
    """

    def __init__(self, km, folder: tempfile.TemporaryDirectory, font_log: Path) -> None:
        self.km, self.folder, self.font_log = km, folder, font_log

    @classmethod
    async def start(cls, root: Path, env: dict[str, str]) -> _Kernel:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets.config import Config

        folder = tempfile.TemporaryDirectory(prefix="bgd-kernel-")
        startup = Path(folder.name, "ipython", "profile_default", "startup")
        startup.mkdir(parents=True)
        font_log = Path(folder.name, "fonts.jsonl")
        probe = FONT_PROBE.replace("FONT_LOG", repr(str(font_log)))
        (startup / "00-banknote-gd-font-probe.py").write_text(probe, encoding="utf-8")
        config = Config()
        config.KernelManager.transport = "ipc"  # Unix sockets: no TCP ports to pick or clash
        config.KernelManager.ip = os.path.join(folder.name, "kernel")
        km = AsyncKernelManager(kernel_name="python3", config=config)
        env = {**env, "IPYTHONDIR": str(Path(folder.name, "ipython"))}
        history = "--HistoryManager.hist_file=:memory:"  # as nbclient starts kernels
        await km.start_kernel(extra_arguments=[history], env=env, cwd=str(root))
        return cls(km, folder, font_log)

    async def reset(self) -> None:
        """Run :data:`KERNEL_RESET`; fail if it fails."""
        client = self.km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            reply = await client.execute_interactive(
                KERNEL_RESET, silent=True, store_history=False, timeout=120
            )
        finally:
            client.stop_channels()
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(
                f"resetting the kernel failed: {content.get('ename')}: {content.get('evalue')}"
            )

    async def close(self) -> None:
        """Shut the kernel down (it may have died already: nothing to stop then)."""
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception as error:  # a dead kernel or a lost process: note it, go on
            log.debug("shutting a lesson kernel down: %s", error)
        finally:
            self.folder.cleanup()


async def _execute_one(lesson: Lesson, root: Path, kernel: _Kernel) -> float:
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    # Never leave a key that vouches for an old notebook while a new one is being made.
    lesson.key_file.unlink(missing_ok=True)
    nb = jupytext.read(lesson.source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    await kernel.reset()
    client = NotebookClient(
        nb,
        km=kernel.km,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(root)}},
    )
    start = time.perf_counter()
    try:
        await client.async_execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    seconds = time.perf_counter() - start
    _record_figure_fonts(nb, kernel.font_log)
    _hide_inputs(nb)

    tmp = lesson.notebook.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, lesson.notebook)
    record = {
        "key": lesson.key,
        "notebook_sha256": _sha256_bytes(lesson.notebook.read_bytes()),
        "seconds": round(seconds, 1),
        "executed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    lesson.key_file.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return seconds


def _hide_inputs(nb) -> None:
    """Tag ``hide-input`` cells ``remove-input`` too: mkdocs-jupyter (0.26) passes only the
    first tag of each ``remove_tag_config`` list to nbconvert, so mkdocs.yml names one."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "hide-input" in tags and "remove-input" not in tags:
            cell.metadata["tags"] = [*tags, "remove-input"]


def _record_figure_fonts(nb, font_log: Path) -> None:
    """Note FONT_PROBE's measurement in each figure output's metadata (``banknote_gd``)."""
    try:
        lines = font_log.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    smallest = {}
    for line in lines:
        record = json.loads(line)
        smallest[record["sha256"]] = record["pt"]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png is None:
                continue
            points = smallest.get(_sha256_bytes(base64.b64decode("".join(png))))
            if points is not None:
                output.setdefault("metadata", {})["banknote_gd"] = {"smallest_font_pt": points}


def _read_record(key_file: Path) -> dict:
    try:
        record = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


_PNG_SRC = re.compile(r'(<img\b)([^>]*\ssrc="data:image/png;base64,([^"]+)")')


MIN_FONT_PX = 10.0  # no figure text smaller than this many CSS px, at any screen width
_WIDTH_ATTR = re.compile(r'\swidth="?(\d+(?:\.\d+)?)')


def _mark_figure_fonts(html: str, notebook: Path) -> str:
    """Mark each measured figure's <img> with its smallest font, and keep that font legible.

    ``data-smallest-font-px`` is the smallest text in the PNG's own pixels. The image may
    shrink with the column (``max-width: 100%``) but not below the width at which that text
    is MIN_FONT_PX CSS px (``min-width``); below that, its output area scrolls sideways.
    """
    from PIL import Image

    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return html
    sizes: dict[str, float] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            points = output.get("metadata", {}).get("banknote_gd", {}).get("smallest_font_pt")
            png = output.get("data", {}).get("image/png")
            if points is None or png is None:
                continue
            encoded = "".join(png).replace("\n", "")
            with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
                dpi = float(image.info.get("dpi", (72.0, 72.0))[0])
                sizes[_sha256_bytes(encoded.encode())] = (points * dpi / 72, image.width)

    def mark(match: re.Match) -> str:
        found = sizes.get(_sha256_bytes(re.sub(r"\s", "", match.group(3)).encode()))
        if found is None:
            return match.group(0)
        font_px, png_width = found
        width = _WIDTH_ATTR.search(match.group(2))
        css_width = float(width.group(1)) if width else float(png_width)
        smallest_css = font_px * css_width / png_width  # at the image's natural size
        min_width = min(2 * css_width, css_width * MIN_FONT_PX / smallest_css)
        return (
            f'{match.group(1)} data-smallest-font-px="{font_px:.2f}" '
            f'style="min-width: {math.ceil(min_width)}px"{match.group(2)}'
        )

    return _PNG_SRC.sub(mark, html)


def _describe(error: Exception) -> str:
    text = _ANSI.sub("", str(error)).strip()
    if not text:
        text = repr(error)
    return f"{type(error).__name__}: {text}"


def _up_to_date(lesson: Lesson) -> bool:
    if not (lesson.notebook.is_file() and lesson.key_file.is_file()):
        return False
    try:
        record = json.loads(lesson.key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    made_here = record.get("notebook_sha256") == _sha256_bytes(lesson.notebook.read_bytes())
    return record.get("key") == lesson.key and made_here


def _last_seconds(lesson: Lesson) -> float:
    try:
        return float(json.loads(lesson.key_file.read_text(encoding="utf-8"))["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _remove_stale(out_dir: Path, key_dir: Path, names: set[str]) -> None:
    """Remove executed notebooks (and keys) of lessons that no longer exist."""
    for path in [*out_dir.glob("*.ipynb"), *key_dir.glob("*.json")]:
        if path.stem not in names:
            log.info("removing %s: its lesson is gone", path)
            path.unlink()


def _kernel_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(KERNEL_ENV)
    env.setdefault("BANKNOTE_GD_CACHE", str(root / ".cache" / "sweeps"))
    return env


def _common_key_parts(root: Path) -> dict[str, object]:
    """Everything but the lesson source that the executed notebooks depend on."""
    return {
        **build_inputs(root, KEY_VERSIONS, needed_by="the lessons"),
        # How the hook executes a lesson (not the rest of it: a change to the CSS handling
        # must not re-execute anything).
        "executor": _sha256_bytes(
            "".join(
                [inspect.getsource(f) for f in (_execute_one, _Kernel, _kernel_env)]
                + [KERNEL_RESET, FONT_PROBE]
            ).encode()
        ),
        "cell_timeout": CELL_TIMEOUT,
        "kernel_env": KERNEL_ENV,
    }


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


# --------------------------------------------------------------------------- API page
def _exported_modules(root: Path) -> list[str]:
    """Submodules that banknote_gd's __all__ exports (read from the source, not imported)."""
    package = root / "src" / "banknote_gd"
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            names = [
                e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)
            ]
    return [
        name
        for name in names
        if (package / f"{name}.py").is_file() or (package / name / "__init__.py").is_file()
    ]


# --------------------------------------------------------------------------- MathJax
# --------------------------------------------------------------------------- notebook CSS
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_EMPTY_SCRIPT = re.compile(r'<script src="">\s*</script>')
_MATHJAX2_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.DOTALL)
_LIST_REPR_STYLE = re.compile(r"<style>\s*\[['\"].*?</style>\s*$", re.DOTALL)
# Kept out of the search index: prompts, copy buttons, the hidden copy of each cell's code,
# and the tables and text that cells print. The lesson text and the code stay searchable.
# (Material's search skips an element marked data-search-exclude only until the first
# nested element with the same tag closes, so the marks go on leaf-most blocks.)
_SEARCH_NOISE = re.compile(
    r'<div class="(?=jp-InputPrompt|jp-OutputPrompt|zeroclipboard-container|clipboard-copy-txt)'
)
_OUTPUT_TEXT = re.compile(r'(<div class="jp-RenderedText[^"]*jp-OutputArea-output[^>]*>\s*<pre)')
_DATAFRAME = re.compile(r'<table (?=[^>]*class="dataframe")')
_NOTEBOOK_CSS: dict[str, str] = {}


def _is_lesson_uri(src_uri: str) -> bool:
    return src_uri.startswith("lessons/") and src_uri.endswith(".ipynb")


def _is_lesson(page) -> bool:
    return _is_lesson_uri(page.file.src_uri)


def _extract_notebook_css(html: str, page, config) -> str:
    """Move the CSS that mkdocs-jupyter inlines into every notebook page to a shared file.

    Only the <style> blocks before the notebook itself move (the same on every page); those
    inside it (a DataFrame's, say) stay. Also dropped: the ``<script src="">`` and inert
    MathJax 2 configuration that mkdocs-jupyter emits when ``custom_mathjax_url`` is empty
    (MathJax 3 is loaded site-wide), and a trailing <style> block holding a Python list's
    repr instead of CSS (mkdocs-jupyter 0.26 appends it to pages made from .ipynb files).
    Prompts, copy buttons and outputs are marked to be left out of the search index, and the
    hidden copies of the code out of MathJax's reach.
    """
    start = html.find('<div class="jupyter-wrapper"')
    if start < 0:
        return html
    head, body = html[:start], html[start:]
    blocks = _STYLE.findall(head)
    head = _STYLE.sub("", head)
    head = _EMPTY_SCRIPT.sub("", head)
    head = _MATHJAX2_CONFIG.sub("", head)
    body = _LIST_REPR_STYLE.sub("", body)
    body = _SEARCH_NOISE.sub('<div data-search-exclude="1" class="', body)
    # The hidden copy of each cell's code is a <div>, not a <pre>: MathJax would typeset the
    # $...$ in its strings (and fail on some).
    body = body.replace('class="clipboard-copy-txt"', 'class="clipboard-copy-txt mathjax_ignore"')
    body = _OUTPUT_TEXT.sub(r'\1 data-search-exclude="1"', body)
    body = _DATAFRAME.sub('<table data-search-exclude="1" ', body)
    if blocks:
        css = "\n".join(block.strip() for block in blocks) + "\n"
        name = f"notebook.{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
        _NOTEBOOK_CSS[name] = css
        page.meta["notebook_css"] = f"assets/stylesheets/{name}"
    return head + body
