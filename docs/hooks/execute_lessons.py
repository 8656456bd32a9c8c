"""MkDocs hook: execute the lessons, vendor MathJax, and share the notebook CSS.

Lessons
    Every ``tutorials/NN_*.py`` (Jupytext percent format) is converted to a notebook and
    executed with nbclient, two lessons at a time, each in its own kernel (cwd = the
    repository root). The executed notebooks go to ``docs/lessons/NN_*.ipynb`` (ignored by
    git), where mkdocs-jupyter renders them with ``execute: false``. A cell that raises fails
    the build with the lesson's name and the error.

    A lesson is executed again only when its cache key changes. The key, kept with the
    SHA-256 of the notebook it produced in ``.cache/lessons/NN_*.json``, hashes the lesson
    source, every file under ``src/banknote_gd``, the data file (the expected SHA-256 and
    the SHA-256 of the cached copy), the code below that executes a lesson and the kernel's
    environment settings, and the versions of Python, TensorFlow, Keras, NumPy, pandas,
    Matplotlib, seaborn and scikit-learn. A missing or edited notebook is executed again
    too. Set ``BANKNOTE_GD_REEXECUTE=1`` to execute every lesson regardless. The kernels get
    ``BANKNOTE_GD_CACHE`` (default ``.cache/sweeps``), the package's sweep-result cache.

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
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.execute_lessons")

REEXECUTE_ENV = "BANKNOTE_GD_REEXECUTE"
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

MATHJAX_VERSION = "3.2.2"
MATHJAX_INTEGRITY = (
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
    "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
MATHJAX_DIR = Path("javascripts", "vendor", "mathjax")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------- MkDocs events
def on_config(config):
    # mkdocs-jupyter logs every notebook it converts and copies; keep the build log readable.
    for name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):
        logging.getLogger(name).setLevel(logging.WARNING)
    root = _root(config)
    _ensure_mathjax(root, Path(config.docs_dir))
    return config


def on_pre_build(config):
    execute_lessons(_root(config), Path(config.docs_dir) / "lessons")


_LESSON_LINK = re.compile(r'href="(?:\./)?(\d\d_[a-z0-9_]+)\.py(#[^"]*)?"')


def on_page_content(html, page, config, files):
    if not _is_lesson(page):
        return html
    # Lessons link to each other as `NN_name.py` (the sibling file in Jupyter with jupytext);
    # on the site that is the page of the lesson.
    lessons = {Path(f.src_uri).stem for f in files if f.src_uri.startswith("lessons/")}

    def to_page(match: re.Match) -> str:
        name, anchor = match.group(1), match.group(2) or ""
        if name not in lessons:
            raise ValueError(f"{page.file.src_uri} links to {name}.py, which is no lesson")
        target = f"../{name}/" if config.use_directory_urls else f"{name}.html"
        return f'href="{target}{anchor}"'

    html = _LESSON_LINK.sub(to_page, html)
    return _extract_notebook_css(html, page, config)


def on_page_markdown(markdown, page, config, files):
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


# --------------------------------------------------------------------------- lessons
@dataclass
class Lesson:
    name: str
    source: Path
    notebook: Path
    key_file: Path
    key: str


def execute_lessons(root: Path, out_dir: Path) -> None:
    """Execute the lessons whose cache key changed; fail with the lesson name on an error."""
    start = time.perf_counter()
    sources = sorted(p for p in (root / "tutorials").glob("*.py") if LESSON_PATTERN.match(p.name))
    out_dir.mkdir(parents=True, exist_ok=True)
    key_dir = root / ".cache" / "lessons"
    key_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir, key_dir, {p.stem for p in sources})

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
    semaphore = asyncio.Semaphore(workers)
    errors: list[tuple[str, str]] = []

    async def run(lesson: Lesson) -> None:
        async with semaphore:
            try:
                seconds = await _execute_one(lesson, root, env)
            except Exception as error:  # any failure: cell error, timeout, dead kernel
                errors.append((lesson.name, _describe(error)))
            else:
                log.info("lesson %s executed in %.1f s", lesson.name, seconds)

    await asyncio.gather(*(run(lesson) for lesson in todo))
    return sorted(errors)


async def _execute_one(lesson: Lesson, root: Path, env: dict[str, str]) -> float:
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    # Never leave a key that vouches for an old notebook while a new one is being made.
    lesson.key_file.unlink(missing_ok=True)
    nb = jupytext.read(lesson.source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    with tempfile.TemporaryDirectory(prefix="bgd-kernel-") as sockets:
        config = Config()
        config.KernelManager.transport = "ipc"  # Unix sockets: no TCP ports to pick or clash
        config.KernelManager.ip = os.path.join(sockets, "kernel")
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            startup_timeout=120,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(root)}},
            config=config,
        )
        start = time.perf_counter()
        await client.async_execute(env=env)
        seconds = time.perf_counter() - start

    tmp = lesson.notebook.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, lesson.notebook)
    record = {
        "key": lesson.key,
        "notebook_sha256": _sha256_bytes(lesson.notebook.read_bytes()),
        "seconds": round(seconds, 1),
    }
    lesson.key_file.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return seconds


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
    src = root / "src" / "banknote_gd"
    digest = hashlib.sha256()
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(src).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")

    try:
        from banknote_gd import data as bgd_data
    except Exception as error:
        raise PluginError(f"cannot import banknote_gd to find its data file: {error}") from error
    try:
        data_file = bgd_data.data_path()  # verifies the hash; downloads on first use
    except Exception as error:
        raise PluginError(
            f"the lessons need the banknote data file: {error} "
            f"(seed the cache with `banknote-gd data --from PATH`, or set BANKNOTE_GD_DATA)"
        ) from error

    versions = {"python": sys.version}
    for names in KEY_VERSIONS:
        versions[names[0]] = _version(*names)
    return {
        "src": digest.hexdigest(),
        "data_expected": bgd_data.DATA_SHA256,
        "data_actual": _sha256_bytes(data_file.read_bytes()),
        # How the hook executes a lesson (not the rest of it: a change to the CSS handling
        # must not re-execute anything).
        "executor": _sha256_bytes(
            (inspect.getsource(_execute_one) + inspect.getsource(_kernel_env)).encode()
        ),
        "cell_timeout": CELL_TIMEOUT,
        "kernel_env": KERNEL_ENV,
        "versions": versions,
    }


def _version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


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
def _ensure_mathjax(root: Path, docs_dir: Path) -> None:
    target = docs_dir / MATHJAX_DIR
    stamp = target / ".version"  # dot files are not copied to the site
    wanted = f"{MATHJAX_VERSION} {MATHJAX_INTEGRITY}"
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return
    tarball = root / ".cache" / "npm" / f"mathjax-{MATHJAX_VERSION}.tgz"
    if not (tarball.is_file() and _integrity(tarball) == MATHJAX_INTEGRITY):
        npm = shutil.which("npm")
        if npm is None:
            raise PluginError(
                "MathJax is vendored from the npm registry at build time (the site must work "
                "offline), but npm is not installed: install Node.js and npm "
                "(apt-get install npm) and build again."
            )
        tarball.parent.mkdir(parents=True, exist_ok=True)
        log.info("fetching mathjax@%s with npm pack", MATHJAX_VERSION)
        result = subprocess.run(
            [npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--pack-destination", str(tarball.parent)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not tarball.is_file():
            raise PluginError(f"npm pack mathjax@{MATHJAX_VERSION} failed:\n{result.stderr}")
        if _integrity(tarball) != MATHJAX_INTEGRITY:
            tarball.unlink()
            raise PluginError(f"mathjax-{MATHJAX_VERSION}.tgz does not match its pinned SHA-512")

    staging = Path(tempfile.mkdtemp(prefix="mathjax-", dir=target.parent.parent))
    try:
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/es5/")]
            for member in members:
                member.name = member.name.removeprefix("package/es5/")
            archive.extractall(staging, members=members, filter="data")
        (staging / ".version").write_text(wanted + "\n")
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("MathJax %s unpacked into %s", MATHJAX_VERSION, target)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


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


def _is_lesson(page) -> bool:
    return page.file.src_uri.startswith("lessons/") and page.file.src_uri.endswith(".ipynb")


def _extract_notebook_css(html: str, page, config) -> str:
    """Move the CSS that mkdocs-jupyter inlines into every notebook page to a shared file.

    Only the <style> blocks before the notebook itself move (the same on every page); those
    inside it (a DataFrame's, say) stay. Also dropped: the ``<script src="">`` and inert
    MathJax 2 configuration that mkdocs-jupyter emits when ``custom_mathjax_url`` is empty
    (MathJax 3 is loaded site-wide), and a trailing <style> block holding a Python list's
    repr instead of CSS (mkdocs-jupyter 0.26 appends it to pages made from .ipynb files).
    Prompts, copy buttons and outputs are marked to be left out of the search index.
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
    body = _OUTPUT_TEXT.sub(r'\1 data-search-exclude="1"', body)
    body = _DATAFRAME.sub('<table data-search-exclude="1" ', body)
    if blocks:
        css = "\n".join(block.strip() for block in blocks) + "\n"
        name = f"notebook.{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
        _NOTEBOOK_CSS[name] = css
        page.meta["notebook_css"] = f"assets/stylesheets/{name}"
    return head + body
