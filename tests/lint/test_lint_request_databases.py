"""ATOMIC_REQUESTS per database, and the databases @non_atomic_requests exempts a view from."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding
from opsgen.lint.summary import atomic_request_databases

from tests_lint_support import write_project  # type: ignore[import-not-found]


def lint(root: Path) -> list[Finding]:
    return lint_paths([root], load_config(root), use_cache=False).findings


@pytest.mark.parametrize(
    ("settings", "aliases"),
    [
        ('DATABASES = {"default": {"ATOMIC_REQUESTS": True}, "analytics": {}}\n', ["default"]),
        ('DATABASES = {"default": {}, "analytics": dict(ENGINE="x", ATOMIC_REQUESTS=True)}\n', ["analytics"]),
        ('DATABASES["ledger"]["ATOMIC_REQUESTS"] = True\n', ["ledger"]),
        ('DATABASES["ledger"] = {"ENGINE": "x", "ATOMIC_REQUESTS": True}\n', ["ledger"]),
        ('DATABASES["ledger"].update(ATOMIC_REQUESTS=True)\n', ["ledger"]),
        ("ATOMIC_REQUESTS = True\n", ["default"]),
        ('for db in DATABASES.values():\n    db["ATOMIC_REQUESTS"] = True\n', ["default"]),
        ('DATABASES = {"default": {"ATOMIC_REQUESTS": False}}\n', []),
    ],
)
def test_settings_aliases(settings: str, aliases: list[str]) -> None:
    assert atomic_request_databases(ast.parse(settings)) == aliases


VIEW_EXEMPT_FROM_ANALYTICS = (
    "from django.core.mail import send_mail\n"
    "from django.db import transaction\n\n"
    '@transaction.non_atomic_requests(using="analytics")\n'
    "def ping(request):\n"
    "    request.user.save()\n"
    '    send_mail("ping", "body", None, ["ops@example.invalid"])\n'
)


def test_setting_true_means_default_database(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"views.py": VIEW_EXEMPT_FROM_ANALYTICS}, "[tool.opsgen.lint]\natomic-requests = true\n")
    findings = lint(root)
    assert [(f.code, f.line) for f in findings] == [("OPS101", 7)]
    assert "exempts the view from 'analytics' only" in findings[0].message


def test_exempt_database_without_setting(tmp_path: Path) -> None:
    settings = 'DATABASES = {"default": {}, "analytics": {"ATOMIC_REQUESTS": True}}\n'
    root = write_project(tmp_path / "project", {"views.py": VIEW_EXEMPT_FROM_ANALYTICS, "settings.py": settings})
    assert lint(root) == []


def test_alias_expression_exempts_view(tmp_path: Path) -> None:
    view = VIEW_EXEMPT_FROM_ANALYTICS.replace('using="analytics"', "using=settings.REPORTS_DB")
    root = write_project(tmp_path / "project", {"views.py": view}, "[tool.opsgen.lint]\natomic-requests = true\n")
    assert lint(root) == []


def test_fix_names_wrapping_database(tmp_path: Path) -> None:
    settings = 'DATABASES = {"default": {"ATOMIC_REQUESTS": True}, "ledger": {"ATOMIC_REQUESTS": True}}\n'
    view = VIEW_EXEMPT_FROM_ANALYTICS.replace('(using="analytics")', "")
    root = write_project(tmp_path / "project", {"views.py": view, "settings.py": settings})
    findings = lint(root)
    assert [(f.code, f.line) for f in findings] == [("OPS101", 7)]
    assert "of the 'ledger' database" in findings[0].message
    assert findings[0].fix is not None
    assert findings[0].fix.using == "ledger"
