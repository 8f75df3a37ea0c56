"""OPS306 finds the project's Celery tasks once, and resolves calls only when there are some."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.config import LintConfig
from opsgen.lint.index import ProjectIndex
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import ModuleContext

from tests_lint_support import write_project  # type: ignore[import-not-found]

RULE = next(rule for rule in load_rules() if rule.code == "OPS306")

TASKS = "from celery import shared_task\n\n@shared_task\ndef send_invoice(order_id):\n    pass\n"
VIEWS = "from billing.tasks import send_invoice as send\n\ndef close(order):\n    send(order.pk)\n    send.run(order.pk)\n    send.delay(order.pk)\n"


def _context(root: Path, relative: str) -> ModuleContext:
    index = ProjectIndex.build(LintConfig(root=root), use_cache=False)
    return ModuleContext(index, index.modules[str((root / relative).resolve())])


def test_calls_not_resolved_without_tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "project", {"billing/__init__.py": "", "billing/views.py": VIEWS.replace("billing.tasks", "billing.helpers")})
    context = _context(root, "billing/views.py")
    resolved: list[str] = []
    monkeypatch.setattr(context.analysis, "canonical", lambda name: resolved.append(name) or name)

    assert list(RULE().check(context)) == []
    assert resolved == []


def test_aliased_task_calls_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"billing/__init__.py": "", "billing/tasks.py": TASKS, "billing/views.py": VIEWS})
    findings = list(RULE().check(_context(root, "billing/views.py")))

    assert [f.line for f in findings] == [4, 5]
    assert all("Celery task billing.tasks.send_invoice" in f.message for f in findings)
