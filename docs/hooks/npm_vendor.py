"""Vendor a browser package from the npm registry into the site, pinned by its SHA-512.

The site must work offline and load nothing from a CDN, so the hooks fetch the packages they
serve (MathJax, uPlot) at build time with ``npm pack``, check the tarball against the
``integrity`` string the registry publishes (``npm view NAME@VERSION dist.integrity``), and
unpack the files they need under ``docs/``, where git ignores them. The tarball is kept in
``.cache/npm`` so later builds need no network; a stamp file records what is unpacked.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.npm_vendor")


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm package and the files of it that the site serves.

    ``select`` maps a member name of the tarball (``package/...``) to its path inside
    ``target`` (relative to the docs folder), or to ``None`` to leave it out.
    """

    name: str
    version: str
    integrity: str
    target: Path
    select: Callable[[str], str | None]


def integrity(path: Path) -> str:
    """The npm ``integrity`` string (``sha512-<base64>``) of a file."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def ensure_vendored(package: NpmPackage, root: Path, docs_dir: Path) -> Path:
    """Unpack ``package`` into ``docs_dir / package.target`` unless it is there already."""
    target = docs_dir / package.target
    stamp = target / ".version"  # dot files are not copied to the site
    wanted = f"{package.version} {package.integrity}"
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return target
    tarball = _fetch(package, root / ".cache" / "npm")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{package.name}-", dir=target.parent))
    try:
        with tarfile.open(tarball) as archive:
            members = []
            for member in archive.getmembers():
                name = package.select(member.name)
                if name is not None:
                    member.name = name
                    members.append(member)
            archive.extractall(staging, members=members, filter="data")
        (staging / ".version").write_text(wanted + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("%s %s unpacked into %s", package.name, package.version, target)
    return target


def _fetch(package: NpmPackage, cache: Path) -> Path:
    """The package's tarball in ``cache``, fetched with ``npm pack`` and checked."""
    spec = f"{package.name}@{package.version}"
    tarball = cache / f"{package.name}-{package.version}.tgz"
    if tarball.is_file() and integrity(tarball) == package.integrity:
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise PluginError(
            f"{package.name} is vendored from the npm registry at build time (the site must "
            "work offline), but npm is not installed: install Node.js and npm "
            "(apt-get install npm) and build again."
        )
    cache.mkdir(parents=True, exist_ok=True)
    log.info("fetching %s with npm pack", spec)
    result = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not tarball.is_file():
        raise PluginError(f"npm pack {spec} failed:\n{result.stderr}")
    if integrity(tarball) != package.integrity:
        tarball.unlink()
        raise PluginError(f"{tarball.name} does not match its pinned SHA-512 ({spec})")
    return tarball
