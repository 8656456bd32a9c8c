"""The README's test command, the Makefile and .ci/run say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recipe(makefile: str, target: str) -> tuple[list[str], list[str]]:
    """The prerequisites and the command lines of one Makefile target."""
    match = re.search(rf"^{target}:(.*)\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert match, f"the Makefile has no target {target!r}"
    commands = [line.strip().replace("$(BIN)", ".venv/bin") for line in match[2].splitlines()]
    return match[1].split(), commands


def test_readme_gives_make_test_and_make_serve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make serve\b", readme, flags=re.MULTILINE)
    assert re.search(r"^make test\b", readme, flags=re.MULTILINE)


def test_ci_runs_the_steps_of_make_test():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_needs, test_commands = recipe(makefile, "test")
    assert test_needs == ["lint"]
    lint_needs, lint_commands = recipe(makefile, "lint")
    assert lint_needs == ["setup"]
    expected = ["make setup", *lint_commands, *test_commands]

    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    steps = [
        line.replace("</dev/null", "").strip()
        for line in re.split(r"^make setup.*$", ci, maxsplit=1, flags=re.MULTILINE)[1].splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ["make setup", *steps] == expected
    assert any("pytest -m slow" in step for step in steps)
