"""Errors in ``[tool.opsgen.lint]`` name the file, the line and the key meant, as ``[tool.opsgen]`` errors do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.config import ConfigError, config_from_mapping, load_config

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]
FLAKE8 = str(Path(sys.executable).with_name("flake8"))

MISSPELT = """\
[tool.opsgen.lint]
side-effects = ["app.push"]
servce-packages = ["app.services"]
"""


def test_lint_unknown_key_names_line_and_suggestion(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {}, MISSPELT)

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    first, second = run.stderr.splitlines()
    assert first == (
        f"opsgen lint: {root / 'pyproject.toml'}:6: unknown key 'servce-packages' in [tool.opsgen.lint]; "
        "did you mean 'service-packages'?"
    )
    assert second.startswith("known keys of [tool.opsgen.lint]: atomic-requests, deferral-wrappers, ")


def test_lint_and_opsgen_tables_report_alike(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {}, "[tool.opsgen]\nspecz = 'specs'\n")

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    assert run.stderr.startswith(f"opsgen lint: {root / 'pyproject.toml'}:5: unknown key 'specz' in [tool.opsgen]; did you mean 'specs'?\n")


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ('[tool.opsgen]\nlint.servce-packages = ["a"]\n', 5),
        ('[tool]\nopsgen.lint.servce-packages = ["a"]\n', 5),
        ('[tool.opsgen.lint.servce-packages]\nx = 1\n', 4),
        ('[tool.opsgen.lint]\n"servce-packages" = ["a"]\n', 5),
    ],
)
def test_lint_unknown_key_line_in_every_form(tmp_path: Path, table: str, line: int) -> None:
    root = write_project(tmp_path / "project", {}, table)

    with pytest.raises(ConfigError) as raised:
        load_config(root)

    assert str(raised.value).startswith(f"{root / 'pyproject.toml'}:{line}: unknown key 'servce-packages' in [tool.opsgen.lint]")


def test_lint_unknown_key_without_file_suggests() -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"select": ["OPS1"], "ignroe": ["OPS3"]}, Path("."))

    assert str(raised.value).splitlines()[0] == "[tool.opsgen.lint]: unknown key 'ignroe'; did you mean 'ignore'?"


def test_lint_wrong_type_names_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {}, "[tool.opsgen.lint]\nselect = ['OPS1']\natomic-requests = 'yes'\n")

    with pytest.raises(ConfigError) as raised:
        load_config(root)

    assert str(raised.value) == f"{root / 'pyproject.toml'}:6: [tool.opsgen.lint]: atomic-requests must be true or false, got 'yes'"


def test_flake8_reports_config_error_as_one_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app.py": "x = 1\n"}, MISSPELT)

    run = subprocess.run([FLAKE8, "--select=OPS", "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    assert lines[0].startswith("./app.py:1:1: OPS001 invalid opsgen lint configuration: ")
    assert ":6: unknown key 'servce-packages' in [tool.opsgen.lint]; did you mean 'service-packages'?; known keys of" in lines[0]


#: One OPS101 finding, on line 7.
HTTP_IN_ATOMIC = """\
from django.db import transaction
import requests


def pay():
    with transaction.atomic():
        requests.post("https://psp.example.invalid")
"""


@pytest.mark.parametrize(
    ("table", "returncode", "reported"),
    [
        ('select = ["ops1"]', 1, True),
        ('select = ["ops101", "Ops2"]', 1, True),
        ('select = ["ops2"]', 0, False),
        ('ignore = ["ops101"]', 0, False),
        ('ignore = ["ops2"]', 1, True),
        ('per-file-ignores = { "app.py" = ["ops1"] }', 0, False),
    ],
)
def test_lint_config_codes_ignore_case(tmp_path: Path, table: str, returncode: int, reported: bool) -> None:
    root = write_project(tmp_path / "project", {"app.py": HTTP_IN_ATOMIC}, f"[tool.opsgen.lint]\n{table}\n")

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == returncode, run.stderr
    assert ("app.py:7:9: OPS101 " in run.stdout) is reported
    assert run.stderr == ""


def test_lint_config_lowercase_unknown_code_rejected(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app.py": HTTP_IN_ATOMIC}, '[tool.opsgen.lint]\nselect = ["ops9"]\n')

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    assert (
        f"opsgen lint: {root / 'pyproject.toml'}:5: invalid rule code or prefix 'OPS9' in select in [tool.opsgen.lint]:"
        in run.stderr
    )
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('exclude = "legacy"', "exclude must be a list of strings, got the string 'legacy'; write [\"legacy\"]"),
        ('select = "OPS1"', "select must be a list of strings, got the string 'OPS1'"),
        ('per-file-ignores = { "legacy/*" = "OPS1" }', "per-file-ignores 'legacy/*' must be a list of strings, got the string 'OPS1'"),
        ('ignore = ["OPS2", ""]', "ignore contains an empty code"),
    ],
)
def test_lint_string_for_list_rejected(tmp_path: Path, table: str, message: str) -> None:
    root = write_project(tmp_path / "project", {"app.py": HTTP_IN_ATOMIC}, f"[tool.opsgen.lint]\n{table}\n")

    run = subprocess.run([*COMMAND, "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    assert run.stderr.startswith(f"opsgen lint: {root / 'pyproject.toml'}:5: [tool.opsgen.lint]: "), run.stderr
    assert message in run.stderr
    assert run.stdout == ""
