"""MkDocs hook: the explorer page's data, its charting library, and the links to it.

Data
    The explorer (``docs/explorer.md``, ``docs/javascripts/explorer.js``) shows summaries of
    real runs: the grid ``banknote_gd.explorer.EXPLORER_GRID``, trained by the package's own
    ``sweep`` through the command ``banknote-gd explorer-data`` (run in a subprocess, so
    TensorFlow stays out of the MkDocs process). The result, ``grid.json`` and ``grid.f32``,
    is cached in ``.cache/explorer/<grid>/`` under a key that hashes every file under
    ``src/banknote_gd``, the data file (expected and actual SHA-256) and the versions of
    Python, TensorFlow, Keras, NumPy and pandas; each optimizer's summary is kept there
    as its sweep ends, so an interrupted build resumes from the optimizers done. The
    training starts in ``on_pre_build`` (this hook is listed before ``execute_lessons``)
    and runs beside the lessons' kernels; ``on_files`` waits for it (its output is in
    ``explorer-data.log`` there), and a failed build stops it. The two files are added to
    the site as ``assets/explorer/grid.json`` and ``assets/explorer/grid.f32``. Set
    ``BANKNOTE_GD_EXPLORER_GRID=small`` for a quick build with the small test grid (the page
    says which grid it shows).

Charting library
    uPlot, vendored like MathJax: ``npm pack uplot@<pinned>`` once, checked against its
    pinned SHA-512, ``dist/`` unpacked into ``docs/javascripts/vendor/uplot`` (ignored by
    git); never a CDN. Why uPlot: 51 kB minified with no dependencies (Vega-Lite needs vega
    and vega-embed, about 900 kB; Observable Plot needs d3, about 300 kB), it draws
    thousands of points on a canvas in a millisecond, so every control can redraw at once on
    a phone, and it has what the page needs built in: log scales, bands between two series,
    a legend with the values under the cursor. What it lacks (theme colours, the stability
    line) is a few lines of ``explorer.js``.

Links
    Lessons link to the explorer as ``[Explore this](explorer.md#STATE)`` with STATE as
    ``key=value&...`` (keys: optimizer, learning_rate, batch_size, schedule, standardize,
    view, split). Notebook pages are not Markdown to MkDocs, so such hrefs are rewritten
    here to the page's real URL; unknown keys or values fail the build with the page named.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

_HOOKS = str(Path(__file__).resolve().parent)
if _HOOKS not in sys.path:  # the hooks' shared modules, beside this file
    sys.path.insert(0, _HOOKS)
from build_inputs import build_inputs  # noqa: E402
from npm_vendor import NpmPackage, ensure_vendored  # noqa: E402

log = logging.getLogger("mkdocs.hooks.explorer")

UPLOT_DIR = Path("javascripts", "vendor", "uplot")
UPLOT_FILES = ("uPlot.iife.min.js", "uPlot.min.css")
UPLOT = NpmPackage(
    name="uplot",
    version="1.6.32",
    integrity=(
        "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/"
        "ep3tOkyTxpiQIw=="
    ),
    target=UPLOT_DIR,
    # the minified script and stylesheet, and the licence
    select=lambda name: (
        name.rsplit("/", 1)[-1]
        if name in {f"package/dist/{n}" for n in UPLOT_FILES} | {"package/LICENSE"}
        else None
    ),
)

GRID_ENV = "BANKNOTE_GD_EXPLORER_GRID"
DATA_URI = "assets/explorer"
DATA_FILES = ("grid.json", "grid.f32")
PAGE = "explorer.md"
KEY_VERSIONS = (("tensorflow", "tensorflow-cpu"), ("keras",), ("numpy",), ("pandas",))
STATE_KEYS = {
    "optimizer",
    "learning_rate",
    "batch_size",
    "schedule",
    "standardize",
    "view",
    "split",
}

_state: dict[str, object] = {}


# --------------------------------------------------------------------------- MkDocs events
def on_config(config):
    root = _root(config)
    ensure_vendored(UPLOT, root, Path(config.docs_dir))
    return config


def on_pre_build(config):
    # Start the grid's training in the background: it runs while the lessons execute
    # (this hook is listed before execute_lessons in mkdocs.yml) and is awaited in on_files.
    _state["job"] = _start_data(_root(config))


def on_build_error(error):
    job = _state.pop("job", None)
    if isinstance(job, _Job):
        job.stop()


def on_files(files, config):
    job = _state.pop("job")
    data_dir = job.wait() if isinstance(job, _Job) else Path(job)
    _state["data_dir"] = data_dir
    for name in DATA_FILES:
        uri = f"{DATA_URI}/{name}"
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(data_dir / name)))
    return files


_LINK = re.compile(r'href="(?:\.{1,2}/)*explorer\.md(#[^"]*)?"')


def on_page_content(html_text, page, config, files):
    explorer = files.get_file_from_path(PAGE)
    if explorer is None:
        return html_text
    target = get_relative_url(explorer.url, page.url)

    def rewrite(match: re.Match) -> str:
        anchor = html.unescape(match.group(1) or "")
        _check_state(anchor[1:], page.file.src_uri)
        return f'href="{html.escape(target + anchor)}"'

    html_text = _LINK.sub(rewrite, html_text)
    if page.file.src_uri == PAGE:
        html_text += _page_assets(page, files)
    return html_text


# --------------------------------------------------------------------------- links
def _check_state(state: str, where: str) -> None:
    """Fail the build on a link the explorer cannot honour (values are snapped by the page)."""
    if not state:
        return
    meta = json.loads((Path(_state["data_dir"]) / "grid.json").read_text(encoding="utf-8"))
    allowed = {
        "optimizer": meta["optimizers"],
        "schedule": meta["schedules"],
        "standardize": ["true", "false"],
        "view": ["curves", "ucurve"],
        "split": ["both", "train", "test"],
    }
    for key, value in parse_qsl(state, keep_blank_values=True):
        problem = None
        if key not in STATE_KEYS:
            problem = f"unknown key {key!r} (allowed: {', '.join(sorted(STATE_KEYS))})"
        elif key in allowed and value not in allowed[key]:
            problem = f"{key}={value!r} is not in the grid (allowed: {', '.join(allowed[key])})"
        elif key == "batch_size" and value != "full" and not value.isdigit():
            problem = f"batch_size={value!r} is neither a whole number nor 'full'"
        elif key == "learning_rate" and not _positive_number(value):
            problem = f"learning_rate={value!r} is not a positive number"
        if problem:
            raise PluginError(f"{where} links to the explorer with #{state}: {problem}")


def _positive_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _page_assets(page, files) -> str:
    def url(uri: str) -> str:
        return html.escape(get_relative_url(uri, page.url))

    return (
        f'\n<link rel="stylesheet" href="{url(f"{UPLOT_DIR.as_posix()}/uPlot.min.css")}">'
        f'\n<link rel="stylesheet" href="{url("stylesheets/explorer.css")}">'
        f'\n<script src="{url(f"{UPLOT_DIR.as_posix()}/uPlot.iife.min.js")}"></script>'
        f'\n<script src="{url("javascripts/explorer.js")}" '
        f'data-grid="{url(f"{DATA_URI}/grid.json")}"></script>\n'
    )


# --------------------------------------------------------------------------- data
def _start_data(root: Path) -> Path | _Job:
    """The folder of grid.json and grid.f32 if up to date, else the job computing them."""
    name = os.environ.get(GRID_ENV, "full").strip() or "full"
    if name not in ("full", "small"):
        raise PluginError(f"{GRID_ENV} must be 'full' or 'small', got {name!r}.")
    folder = root / ".cache" / "explorer" / name
    key = _key(root, name)
    key_file = folder / "key.json"
    if _up_to_date(folder, key_file, key):
        log.info("explorer: %s grid is up to date (cached)", name)
        return folder
    if name != "full":
        log.info("explorer: using the SMALL grid (%s=%s); the site's page says so", GRID_ENV, name)
    runs = folder / "runs"
    runs_key = folder / "runs.key"
    if not runs_key.is_file() or runs_key.read_text().strip() != key:
        shutil.rmtree(folder, ignore_errors=True)  # runs of another source: start afresh
    key_file.unlink(missing_ok=True)
    runs.mkdir(parents=True, exist_ok=True)
    runs_key.write_text(key + "\n")
    log.info("explorer: training the %s grid in the background (resumable; in %s)", name, runs)
    command = [
        sys.executable,
        "-m",
        "banknote_gd",
        "explorer-data",
        str(folder),
        "--runs",
        str(runs),
        "--grid",
        name,
        "--no-progress",
    ]
    # One TensorFlow thread: the job shares two cores with two lesson kernels, and alone it
    # needed 50.5 CPU-seconds with one thread against 60.3 with TensorFlow's default. The grid
    # is identical to the bit (test_results_do_not_depend_on_tensorflow_threads, test_engines).
    threads = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", BANKNOTE_GD_PROGRESS="0", **threads)
    return _Job(name, folder, key, command, root, env)


class _Job:
    """``banknote-gd explorer-data`` in a subprocess; its output goes to a log file."""

    def __init__(self, name, folder: Path, key: str, command, root: Path, env) -> None:
        self.name, self.folder, self.key = name, folder, key
        self.log_path = folder / "explorer-data.log"
        self.start = time.perf_counter()
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(
                command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def wait(self) -> Path:
        """Wait for the data; record its key; fail the build with the log if it failed."""
        code = self.process.wait()
        if code != 0:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            raise PluginError(f"banknote-gd explorer-data failed (exit {code}):\n{text[-4000:]}")
        meta = json.loads((self.folder / "grid.json").read_text(encoding="utf-8"))
        record = {
            "key": self.key,
            "sha256": {n: _sha256(self.folder / n) for n in DATA_FILES},
            "seconds": meta["seconds"],  # the sweeps' own time (the wait may end later)
        }
        key_file = self.folder / "key.json"
        key_file.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        log.info(
            "explorer: %s grid computed, its sweeps in %.1f s (awaited after %.1f s)",
            self.name,
            record["seconds"],
            time.perf_counter() - self.start,
        )
        return self.folder

    def stop(self) -> None:
        """Stop the subprocess (the build failed elsewhere); the summaries of the optimizers
        done are kept."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


def _up_to_date(folder: Path, key_file: Path, key: str) -> bool:
    try:
        record = json.loads(key_file.read_text(encoding="utf-8"))
        return record["key"] == key and all(
            _sha256(folder / n) == record["sha256"][n] for n in DATA_FILES
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _key(root: Path, name: str) -> str:
    parts = {"grid": name, **build_inputs(root, KEY_VERSIONS, needed_by="the explorer")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


# --------------------------------------------------------------------------- uPlot
