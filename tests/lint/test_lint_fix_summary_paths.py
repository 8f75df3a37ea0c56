"""The --fix summary agrees with the report after it, and paths print relative to the current folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]
REPOSITORY = Path(__file__).resolve().parents[2]

SPEC = (
    "name: billing.credit_account\n"
    "transaction: true\n"
    "input:\n  account_id: uuid\n"
    "side_effects:\n"
    "  email_receipt:\n    kind: email\n    payload:\n      to: str\n"
)
GENERATED = """\
from opsgen.runtime.operation import Operation


class CreditAccountBase(Operation):
    def email_receipt(self, ctx, *, to):
        ctx.effect("email_receipt", to)
"""
# OPS101 flags the mail sent inside the operation's transaction and defers it with a fix;
# OPS401 flags the same call, has no fix, and no longer applies once the call is deferred.
CREDIT = """\
from django.core.mail import send_mail

from app.generated import CreditAccountBase


class CreditAccount(CreditAccountBase):
    def run(self, ctx, *, account_id):
        send_mail("Receipt", "Credited", None, ["owner@example.com"])
"""
UNFIXABLE = """\
from django.db import transaction
from app.tasks import notify


def place(inv):
    with transaction.atomic():
        inv.save()
        notify.delay(inv)
        inv = None
"""


def _operation_project(root: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/generated.py": GENERATED,
        "app/credit.py": CREDIT,
        "app/legacy.py": UNFIXABLE,
        "specs/credit_account.yaml": SPEC,
    }
    return write_project(root, files, pyproject='[tool.opsgen]\nspecs = "specs"\n')


def _lint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False)


def _report_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line and not line.startswith("    ")]


def test_fix_summary_counts_cleared_finding(tmp_path: Path) -> None:
    root = _operation_project(tmp_path / "project")
    before = _report_lines(_lint(root, ".").stdout)
    assert sorted(line.split(": ")[1].split()[0] for line in before) == ["OPS101", "OPS101", "OPS401"]

    fix = _lint(root, "--fix", ".")

    left = _report_lines(fix.stdout)
    assert len(left) == 1
    assert "app/legacy.py:8:9: OPS101" in left[0]
    assert "OPS401 has no autofix" not in fix.stderr
    assert "opsgen lint: 3 finding(s), 1 fixed, 1 more cleared by the fixes, 1 not fixable" in fix.stderr
    assert "opsgen lint: not fixable app/legacy.py:8:9: OPS101 a later statement changes inv" in fix.stderr
    assert fix.returncode == 1


def test_fix_lists_only_findings_of_report(tmp_path: Path) -> None:
    root = _operation_project(tmp_path / "project")

    fix = _lint(root, "--fix", ".")

    listed = sorted(line.split("not fixable ")[1].split(": ")[0] for line in fix.stderr.splitlines() if " not fixable " in line)
    reported = sorted(line.split(": ")[0] for line in _report_lines(fix.stdout))
    assert listed == reported


def test_paths_relative_to_current_folder(tmp_path: Path) -> None:
    root = _operation_project(tmp_path / "project")

    text = _lint(tmp_path, "project/app")
    data = json.loads(_lint(tmp_path, "--format", "json", "project/app").stdout)

    assert _report_lines(text.stdout)[0].startswith("project/app/")
    assert {finding["path"] for finding in data} == {"project/app/credit.py", "project/app/legacy.py"}
    assert (root / "app/credit.py").is_file()


def test_paths_absolute_outside_current_folder(tmp_path: Path) -> None:
    root = _operation_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    text = _lint(elsewhere, str(root / "app"))

    first = _report_lines(text.stdout)[0]
    assert first.startswith(f"{(root / 'app').resolve().as_posix()}/")


def test_diff_paths_relative_to_current_folder(tmp_path: Path) -> None:
    _operation_project(tmp_path / "project")

    diff = _lint(tmp_path, "--diff", "project/app")

    assert "--- a/project/app/credit.py" in diff.stdout
    assert "opsgen lint: not fixable project/app/legacy.py:8:9:" in diff.stderr


def test_sarif_paths_stay_relative_to_root(tmp_path: Path) -> None:
    _operation_project(tmp_path / "project")

    log = json.loads(_lint(tmp_path, "--format", "sarif", "project/app").stdout)

    run = log["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"app/credit.py", "app/legacy.py"}
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_syntax_error_path_relative_to_current_folder(tmp_path: Path) -> None:
    root = _operation_project(tmp_path / "project")
    (root / "app/broken.py").write_text("def f(:\n")

    text = _lint(tmp_path, "project/app")

    assert "opsgen lint: cannot parse project/app/broken.py:1: " in text.stderr
    assert text.returncode == 2
