"""The ``per-file-ignores`` key of ``[tool.opsgen.lint]``: parsing, glob matching, and who honours it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.config import ConfigError, config_from_mapping, load_config, path_matches
from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]
FLAKE8 = str(Path(sys.executable).with_name("flake8"))

#: OPS101 on line 7 of each module it is written to.
PLACE = """\
from django.db import transaction
from shop.tasks import notify


def place(order):
    with transaction.atomic():
        notify.delay(order.pk)
        order.save()
"""

TABLE = """\
[tool.opsgen.lint.per-file-ignores]
"legacy/*" = ["OPS1"]
"current/orders.py" = ["OPS201"]
"""


def legacy_project(tmp_path: Path, table: str = TABLE) -> Path:
    files = {"legacy/__init__.py": "", "legacy/orders.py": PLACE, "current/__init__.py": "", "current/orders.py": PLACE}
    return write_project(tmp_path / "project", files, table)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("legacy/*", "legacy/orders.py", True),
        ("legacy/*", "legacy/sub/orders.py", True),
        ("legacy", "legacy/sub/orders.py", True),
        ("legacy/", "legacy/orders.py", True),
        ("./legacy/*.py", "legacy/orders.py", True),
        ("legacy/*", "current/legacy.py", False),
        ("conftest.py", "app/tests/conftest.py", True),
        ("app/conftest.py", "app/tests/conftest.py", False),
        ("*/migrations/*", "shop/migrations/0001_initial.py", True),
        ("*.py", "shop/orders.py", True),
        ("orders.py", "shop/orders_old.py", False),
    ],
)
def test_per_file_ignores_glob(pattern: str, path: str, matches: bool) -> None:
    assert path_matches(pattern, path) is matches


def test_per_file_ignores_read_from_table(tmp_path: Path) -> None:
    config = load_config(legacy_project(tmp_path))

    assert config.per_file_ignores == (("legacy/*", ("OPS1",)), ("current/orders.py", ("OPS201",)))
    assert config.ignored_in_file("OPS101", "legacy/orders.py")
    assert not config.ignored_in_file("OPS201", "legacy/orders.py")
    assert config.ignored_in_file("OPS201", "current/orders.py")
    assert not config.ignored_in_file("OPS101", "current/orders.py")


def test_per_file_ignores_drop_findings(tmp_path: Path) -> None:
    root = legacy_project(tmp_path)

    findings = lint_paths([root], load_config(root), use_cache=False).findings

    assert [(Path(f.path).relative_to(root).as_posix(), f.line, f.code) for f in findings] == [("current/orders.py", 7, "OPS101")]


def test_per_file_ignores_do_not_change_cache_key(tmp_path: Path) -> None:
    root = legacy_project(tmp_path)
    with_ignores = load_config(root)
    without = config_from_mapping({}, root)

    assert with_ignores.fingerprint() == without.fingerprint()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ('per-file-ignores = ["legacy/*"]', "per-file-ignores must be a table of globs to lists of codes"),
        ('per-file-ignores = { "legacy/*" = [1] }', "per-file-ignores 'legacy/*' must be a list of strings"),
    ],
)
def test_per_file_ignores_invalid_value(tmp_path: Path, value: str, error: str) -> None:
    root = write_project(tmp_path / "project", {}, f"[tool.opsgen.lint]\n{value}\n")

    with pytest.raises(ConfigError, match=re.escape(error)) as raised:
        load_config(root)

    assert "pyproject.toml:5: [tool.opsgen.lint]: " in str(raised.value)


def test_per_file_ignores_unknown_code_rejected(tmp_path: Path) -> None:
    root = legacy_project(tmp_path, '[tool.opsgen.lint.per-file-ignores]\n"legacy/*" = ["OPS9"]\n')

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    assert "invalid rule code or prefix 'OPS9' in per-file-ignores 'legacy/*' in [tool.opsgen.lint]" in run.stderr


def test_per_file_ignores_left_to_flake8(tmp_path: Path) -> None:
    root = legacy_project(tmp_path)

    run = subprocess.run([FLAKE8, "--select=OPS", "."], cwd=root, capture_output=True, text=True, timeout=120)
    own = subprocess.run([FLAKE8, "--select=OPS", "--per-file-ignores=legacy/*:OPS1", "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert sorted(line.split(":", 1)[0] for line in run.stdout.splitlines()) == ["./current/orders.py", "./legacy/orders.py"]
    assert [line.split(":", 1)[0] for line in own.stdout.splitlines()] == ["./current/orders.py"]
