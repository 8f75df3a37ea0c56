"""``exclude`` in ``[tool.opsgen.lint]``: the globs of ``per-file-ignores``, and bare folder names at any depth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.config import DEFAULT_EXCLUDE, LintConfig
from opsgen.lint.index import iter_python_files
from tests_lint_support import write_project

#: A migration that sends a mail inside its transaction: OPS101 when it is linted.
MIGRATION = """\
from django.core.mail import send_mail
from django.db import transaction


def forwards(apps, schema_editor):
    with transaction.atomic():
        send_mail("migrated", "done", None, ["ops@example.invalid"])
"""

FILES = {
    "orders/__init__.py": "",
    "orders/models.py": "",
    "orders/migrations/__init__.py": "",
    "orders/migrations/0001_initial.py": MIGRATION,
    "shop/billing/migrations/0002_invoice.py": MIGRATION,
    "migrations/0001_root.py": MIGRATION,
    "legacy_import.py": MIGRATION,
}


def linted(root: Path, exclude: list[str]) -> list[str]:
    config = LintConfig(root=root, exclude=tuple(exclude))
    return sorted(path.relative_to(root.resolve()).as_posix() for path in iter_python_files([root], config))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", FILES)


@pytest.mark.parametrize("pattern", ["migrations", "**/migrations", "migrations/", "**/migrations/*"])
def test_exclude_folder_name_any_depth(project: Path, pattern: str) -> None:
    assert linted(project, [pattern]) == ["legacy_import.py", "orders/__init__.py", "orders/models.py"]


@pytest.mark.parametrize("pattern", ["*/migrations", "*/migrations/*.py"])
def test_exclude_glob_below_root(project: Path, pattern: str) -> None:
    assert linted(project, [pattern]) == ["legacy_import.py", "migrations/0001_root.py", "orders/__init__.py", "orders/models.py"]


@pytest.mark.parametrize("pattern", ["orders/migrations", "./orders/migrations/", "orders/migrations/0*.py", "orders/*/0001_initial.py"])
def test_exclude_path_under_root(project: Path, pattern: str) -> None:
    remaining = linted(project, [pattern])

    assert "orders/migrations/0001_initial.py" not in remaining
    assert "shop/billing/migrations/0002_invoice.py" in remaining
    assert "orders/models.py" in remaining


def test_exclude_file_glob_and_absolute_path(project: Path) -> None:
    remaining = linted(project, ["legacy_*.py", str(project.resolve() / "shop")])

    assert remaining == ["migrations/0001_root.py", "orders/__init__.py", "orders/migrations/0001_initial.py", "orders/migrations/__init__.py", "orders/models.py"]


def test_exclude_default_folders(project: Path) -> None:
    for folder in (".venv/lib", "venv", "node_modules/pkg", "build", ".tox/py312", "deep/dist", "pkg.egg-info"):
        (project / folder).mkdir(parents=True)
        (project / folder / "module.py").write_text(MIGRATION)

    assert linted(project, []) == sorted(FILES)


def test_exclude_from_cli(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('[tool.opsgen.lint]\nexclude = ["migrations", "legacy_*.py", "tests/fixtures", "fixtures"]\n')

    run = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache", ".", "orders/migrations/0001_initial.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""
    assert "warning: exclude entry 'tests/fixtures' in [tool.opsgen.lint]" in run.stderr
    assert "matches no file or folder" in run.stderr
    assert "'migrations'" not in run.stderr
    assert "'fixtures'" not in run.stderr  # a bare name that matches nothing is no typo


def test_default_excludes_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "lint.md").read_text()
    (row,) = [line for line in docs.splitlines() if line.startswith("| `exclude` |")]

    for name in DEFAULT_EXCLUDE:
        assert f"`{name}`" in row
