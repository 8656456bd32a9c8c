"""Following the lessons after ``pip install``, exactly as the README says.

The README's follow-along section (between ``<!-- follow-along:start -->`` and
``<!-- follow-along:end -->``) is run as it is, by bash, in a copy of the repository: it builds
the wheel, installs it (not editable) with the ``lessons`` extra into a fresh virtual
environment, and writes the lessons with ``banknote-gd lessons``. Then every notebook is
executed by that environment's kernel, with the data cache seeded from ``../shared/data`` and
the network closed to the kernel (a proxy that refuses), so the data cannot be downloaded.

A second test builds the sdist and the wheel with ``python -m build`` and checks them with
``twine check``. Both are slow: they download TensorFlow on a machine whose pip cache lacks it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
LESSONS = sorted(p.stem for p in (ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
BLOCK = re.compile(
    r"<!-- follow-along:start -->\s*```bash\n(.*?)```\s*<!-- follow-along:end -->", re.DOTALL
)
CELL_TIMEOUT = 1200


def follow_along(path: Path) -> str:
    """The shell commands between the follow-along markers of a Markdown file."""
    found = BLOCK.findall(path.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{path.name} needs exactly one follow-along block between markers"
    return found[0]


def test_readme_and_home_page_give_the_same_follow_along_commands():
    commands = follow_along(ROOT / "README.md")
    assert commands == follow_along(ROOT / "docs" / "index.md")
    assert 'pip install "$(ls dist/banknote_gd-*.whl)[lessons]"' in commands
    assert "banknote-gd lessons course" in commands
    assert " -e " not in commands and "--editable" not in commands


def _copy_of_the_repository(target: Path) -> Path:
    """The files git tracks or would track (no .venv, caches, site or built notebooks)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without this repository's virtual environment."""
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def followed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository in which the README's follow-along commands have run."""
    clone = _copy_of_the_repository(tmp_path_factory.mktemp("clone"))
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", follow_along(ROOT / "README.md")],
        cwd=clone,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert result.returncode == 0, (
        f"the README's follow-along commands failed:\n{result.stdout[-3000:]}\n"
        f"{result.stderr[-5000:]}"
    )
    return clone


@pytest.mark.slow
def test_the_installed_wheel_writes_every_lesson(followed: Path):
    python = followed / "course-env" / "bin" / "python"
    where = subprocess.run(
        [python, "-c", "import banknote_gd; print(banknote_gd.__file__)"],
        cwd=followed / "course",
        capture_output=True,
        text=True,
        check=True,
        env=_clean_env(),
    ).stdout.strip()
    assert "site-packages" in where, f"banknote_gd is not installed from the wheel: {where}"
    written = sorted(p.stem for p in (followed / "course").glob("*.ipynb"))
    assert written == LESSONS


@pytest.mark.slow
def test_every_lesson_runs_in_the_installed_environment(followed: Path, tmp_path: Path):
    import banknote_gd

    if not (SHARED_DATA / banknote_gd.data.DATA_FILENAME).is_file():
        pytest.skip(f"no local copy of the data in {SHARED_DATA}")
    data = tmp_path / "data"
    banknote_gd.seed_data_cache(SHARED_DATA, data_home=data)
    python = followed / "course-env" / "bin" / "python"
    jupyter = tmp_path / "jupyter"
    subprocess.run(
        [python, "-m", "ipykernel", "install", "--prefix", jupyter, "--name", "course-env"],
        check=True,
        capture_output=True,
        env=_clean_env(),
    )
    # What a learner's kernel sees, plus the seeded data cache, a fresh sweep cache, and no
    # network: a download would go through a proxy that refuses the connection.
    env = _clean_env(
        BANKNOTE_GD_DATA=str(data),
        BANKNOTE_GD_CACHE=str(tmp_path / "sweeps"),
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    env.pop("MPLBACKEND", None)  # the kernel's own default: inline figures
    paths = [followed / "course" / f"{name}.ipynb" for name in LESSONS]
    failures = asyncio.run(_execute_all(paths, jupyter, env))
    assert not failures, "\n\n".join(f"{name}:\n{error}" for name, error in failures.items())


async def _execute_all(paths: list[Path], jupyter: Path, env: dict[str, str]) -> dict[str, str]:
    """Execute the notebooks two at a time (as the site build does); return the failures."""
    semaphore = asyncio.Semaphore(2)
    failures: dict[str, str] = {}

    async def run(path: Path) -> None:
        async with semaphore:
            failures.update(await _execute(path, jupyter, env))

    await asyncio.gather(*(run(path) for path in paths))
    return dict(sorted(failures.items()))


async def _execute(path: Path, jupyter: Path, env: dict[str, str]) -> dict[str, str]:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(jupyter / "share" / "jupyter" / "kernels")])
    with tempfile.TemporaryDirectory(prefix="bgd-") as sockets:
        manager = AsyncKernelManager(kernel_name="course-env", kernel_spec_manager=specs)
        manager.transport = "ipc"  # Unix sockets (short paths): no TCP ports to pick or clash
        manager.ip = os.path.join(sockets, "kernel")
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=CELL_TIMEOUT,
            startup_timeout=120,
            allow_errors=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            await client.async_execute(env=env)
        except Exception as error:  # a cell that raised, a timeout, a dead kernel
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # no terminal colours
            return {path.stem: f"{type(error).__name__}: {text[-3000:]}"}
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), f"{path.stem} did not run every cell"
    return {}


@pytest.mark.slow
def test_python_m_build_ships_the_lessons_and_passes_twine_check(tmp_path: Path):
    clone = _copy_of_the_repository(tmp_path / "clone")
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "build", "--outdir", str(dist), str(clone)]
    result = subprocess.run(build, capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode == 0, f"python -m build failed:\n{result.stdout}\n{result.stderr}"
    built = sorted(dist.glob("*"))
    assert sorted(p.suffix for p in built) == [".gz", ".whl"], built  # the sdist and the wheel
    twine = [sys.executable, "-m", "twine", "check", "--strict", *map(str, built)]
    result = subprocess.run(twine, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"twine check failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = dist.glob("*.whl")
    shipped = sorted(
        Path(name).stem
        for name in zipfile.ZipFile(wheel).namelist()
        if name.startswith("banknote_gd/tutorials/") and name.endswith(".py")
    )
    assert shipped == LESSONS
    (sdist,) = dist.glob("*.tar.gz")
    listing = subprocess.run(["tar", "tzf", sdist], capture_output=True, text=True).stdout
    assert all(f"/tutorials/{name}.py" in listing for name in LESSONS)
