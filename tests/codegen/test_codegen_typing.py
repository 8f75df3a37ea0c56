"""mypy --strict accepts the generated example and rejects misuse of it.

Each ``typing_cases/misuse_*.py`` marks the line mypy must reject with ``# E: <code>``;
mypy must report exactly those errors and no others. ``valid_usage.py`` and the generated
package with its scaffolded implementations must check clean. mypy runs twice: on the
package as generated (the ``.pyi`` stubs win) and on the ``.py`` sources alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen_helpers import generate_example

CASES = Path(__file__).resolve().parent / "typing_cases"
_MARK = re.compile(r"#\s*E:\s*([a-z-]+)")
_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)(  \[(?P<code>[a-z-]+)\])?$")


def expected_errors() -> set[tuple[str, int, str]]:
    expected = set()
    for case in sorted(CASES.glob("*.py")):
        for number, line in enumerate(case.read_text().splitlines(), start=1):
            mark = _MARK.search(line)
            if mark:
                expected.add((f"app/cases/{case.name}", number, mark.group(1)))
    return expected


def run_mypy(root: Path) -> tuple[set[tuple[str, int, str]], str]:
    process = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(root / ".mypy_cache"), "app"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = set()
    for line in process.stdout.splitlines():
        match = _ERROR.match(line)
        if match:
            found.add((match["path"], int(match["line"]), match["code"] or ""))
    return found, process.stdout + process.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typing") / "project"
    generate_example(root)
    shutil.copytree(CASES, root / "app" / "cases")
    (root / "app" / "cases" / "__init__.py").write_text("")
    return root


@pytest.mark.slow
def test_mypy_strict_with_stubs(project: Path) -> None:
    found, output = run_mypy(project)
    expected = expected_errors()
    assert len(expected) >= 10
    assert found - expected == set(), f"unexpected mypy errors:\n{output}"
    assert expected - found == set(), f"misuse that mypy accepted:\n{output}"


@pytest.mark.slow
def test_mypy_strict_without_stubs(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "sources"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("*.pyi", ".mypy_cache"))
    assert not list((root / "app" / "generated").rglob("*.pyi"))
    found, output = run_mypy(root)
    expected = expected_errors()
    assert found - expected == set(), f"unexpected mypy errors:\n{output}"
    assert expected - found == set(), f"misuse that mypy accepted:\n{output}"
