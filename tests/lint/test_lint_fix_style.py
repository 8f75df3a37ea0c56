"""``--fix`` follows the project's line length and leaves attributes of imported names in the moved call."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.examples import lint_example
from opsgen.lint.line_length import project_line_length
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example
from tests_lint_support import write_project

RULES = load_rules()

#: The deferred call takes 120 characters with its indent: one line at 120, split at 88.
CHARGE = """\
from django.core.mail import send_mail
from django.db import transaction


def charge(account, amount, email):
    with transaction.atomic():
        account.save()
        send_mail("Charged", f"We charged {amount} EUR to {account.pk}.", None, [email])
"""

ONE_LINE = '        transaction.on_commit(partial(send_mail, "Charged", f"We charged {amount} EUR to {account.pk}.", None, [email]))\n'


def fix(root: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache", "--fix", "."], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return (root / "shop" / "billing.py").read_text()


@pytest.mark.parametrize(
    ("files", "pyproject"),
    [
        ({}, "[tool.ruff]\nline-length = 120\n"),
        ({}, "[tool.black]\nline-length = 120\n"),
        ({".flake8": "[flake8]\nmax-line-length = 120\n"}, ""),
        ({"ruff.toml": "line-length = 120\n"}, "[tool.black]\nline-length = 79\n"),
    ],
)
def test_fix_uses_project_line_length(tmp_path: Path, files: dict[str, str], pyproject: str) -> None:
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/billing.py": CHARGE, **files}, pyproject)

    assert ONE_LINE in fix(root)


def test_fix_splits_at_default_length(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/billing.py": CHARGE})

    fixed = fix(root)

    assert ONE_LINE not in fixed
    assert "        transaction.on_commit(\n            partial(" in fixed


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, 88),
        ({".ruff.toml": "line-length = 100\n", "ruff.toml": "line-length = 110\n"}, 100),
        ({"pyproject.toml": "[tool.ruff]\nline-length = 99\n[tool.black]\nline-length = 98\n"}, 99),
        ({"setup.cfg": "[flake8]\nmax_line_length = 101\n"}, 101),
        ({"tox.ini": "[tox]\nenvlist = py\n[flake8]\nmax-line-length = 102\nformat = %(path)s\n"}, 102),
        ({"pyproject.toml": "[tool.ruff]\nline-length = true\n", ".flake8": "[flake8]\nmax-line-length = 97\n"}, 97),
        ({"pyproject.toml": "[tool.ruff\n", ".flake8": "[flake8]\nmax-line-length = many\n"}, 88),
    ],
)
def test_project_line_length_sources(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    assert project_line_length(tmp_path) == expected


HEADER = """\
import requests
from django.conf import settings
from sqlalchemy.orm import Session

from reporting.models import DailySales


"""


def moved(source: str, tmp_path: Path) -> str:
    findings = [f for f in lint_example(Example(source), RULES, tmp_path) if f.code == "OPS101"]
    result = apply_fixes(source, [f.fix for f in findings if f.fix is not None])
    assert result.applied == 1, result.skipped
    return result.source


def test_move_keeps_imported_attribute(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def publish(session: Session, row: DailySales):
            session.add(row)
            requests.post(settings.SLACK_REPORT_HOOK, json={"orders": row.orders}, timeout=5)
            session.commit()
        """
    )

    assert moved(source, tmp_path) == HEADER + textwrap.dedent(
        """\
        def publish(session: Session, row: DailySales):
            session.add(row)
            row_orders = row.orders
            session.commit()
            requests.post(settings.SLACK_REPORT_HOOK, json={"orders": row_orders}, timeout=5)
        """
    )


def test_move_binds_imported_attribute_changed(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def publish(session: Session, row: DailySales):
            session.add(row)
            requests.post(settings.SLACK_REPORT_HOOK, timeout=5)
            settings.SLACK_REPORT_HOOK = None
            session.commit()
        """
    )

    fixed = moved(source, tmp_path)

    assert "    settings_slack_report_hook = settings.SLACK_REPORT_HOOK\n" in fixed
    assert "    requests.post(settings_slack_report_hook, timeout=5)\n" in fixed
