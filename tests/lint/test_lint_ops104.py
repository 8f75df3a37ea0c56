"""OPS104: a commit of another session or connection inside a transactional operation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

OPSGEN = str(Path(sys.executable).with_name("opsgen"))
FLAKE8 = str(Path(sys.executable).with_name("flake8"))

SPEC = """\
name: expenses.rename_expense
transaction: true
locks:
  - key: "expense:{expense_id}"
input:
  expense_id: int
  text: str
"""

GENERATED = """\
class RenameExpenseBase:
    pass
"""

EXTENSIONS = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
"""

LEGACY = """\
from expenses.extensions import db
from expenses.models import Expense


def set_description(expense_id, text):
    expense = db.session.get(Expense, expense_id)
    expense.description = text
    db.session.commit()
"""

QUIET_LEGACY = """\
from expenses.extensions import db
from expenses.models import Expense


def set_description(expense_id, text):
    return db.session.get(Expense, expense_id)
"""

OPERATION = """\
from expenses.extensions import db
from expenses.generated import RenameExpenseBase
from expenses.legacy import set_description


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
{body}
"""


def write_expenses(tmp_path: Path, body: str, spec: str = SPEC, legacy: str = LEGACY) -> Path:
    """Write a Flask-SQLAlchemy project with one operation whose run() is ``body``."""
    files = {
        "expenses/__init__.py": "",
        "expenses/generated.py": GENERATED,
        "expenses/extensions.py": EXTENSIONS,
        "expenses/models.py": "class Expense:\n    pass\n",
        "expenses/legacy.py": legacy,
        "expenses/rename_expense.py": OPERATION.format(body=body),
        "specs/rename_expense.yaml": spec,
    }
    return write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')


def ops104(root: Path, use_cache: bool = False) -> list[Finding]:
    return [f for f in lint_paths([root], use_cache=use_cache).findings if f.code == "OPS104"]


def test_ops104_direct_commit_message(tmp_path: Path) -> None:
    root = write_expenses(tmp_path, "        db.session.commit()\n")
    findings = ops104(root)
    assert [(Path(f.path).name, f.line, f.column) for f in findings] == [("rename_expense.py", 8, 8)]
    message = findings[0].message
    assert message.startswith("OPS104 db.session.commit() commits db.session, ")
    assert "operation expenses.rename_expense" in message
    assert "survives the operation's rollback" in message
    assert "ctx.session" in message
    assert "Runtime(engine=" in message
    assert message.endswith("or move the write into an operation of its own")
    assert findings[0].via == ()


def test_ops104_helper_chain_in_message(tmp_path: Path) -> None:
    root = write_expenses(tmp_path, "        set_description(expense_id, text)\n")
    findings = ops104(root)
    assert [(Path(f.path).name, f.line) for f in findings] == [("rename_expense.py", 8)]
    message = findings[0].message
    assert message.startswith("OPS104 set_description() leads to db.session.commit() at expenses/legacy.py:8, ")
    hops = findings[0].via
    assert [(Path(h.path).name, h.line, h.name) for h in hops] == [("legacy.py", 8, "db.session.commit")]


def test_ops104_only_transactional_specs(tmp_path: Path) -> None:
    body = "        set_description(expense_id, text)\n"
    assert len(ops104(write_expenses(tmp_path / "with", body))) == 1
    spec = SPEC.replace("transaction: true\n", "")
    assert ops104(write_expenses(tmp_path / "without", body, spec=spec)) == []


def test_ops104_after_commit_not_reported(tmp_path: Path) -> None:
    body = (
        "        ctx.after_commit(set_description, expense_id, text)\n"
        "        ctx.after_commit(lambda: set_description(expense_id, text))\n"
        "        set_description(expense_id, text)\n"
    )
    findings = ops104(write_expenses(tmp_path, body))
    assert [f.line for f in findings] == [10]


def test_ops104_json_names_no_fix_reason(tmp_path: Path) -> None:
    root = write_expenses(tmp_path, "        set_description(expense_id, text)\n")
    completed = subprocess.run(
        [OPSGEN, "lint", "--no-cache", "--select", "OPS104", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert [entry["code"] for entry in report] == ["OPS104"]
    assert report[0]["fixable"] is False
    assert "person" in report[0]["not_fixable_reason"]
    assert [hop["call"] for hop in report[0]["via"]] == ["db.session.commit"]


def test_ops104_flake8_reports_it(tmp_path: Path) -> None:
    root = write_expenses(tmp_path, "        set_description(expense_id, text)\n")
    completed = subprocess.run(
        [FLAKE8, "--select=OPS104", "."], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, completed.stdout
    assert lines[0].startswith("./expenses/rename_expense.py:8:9: OPS104 set_description() leads to db.session.commit()")


def test_ops104_cache_sees_helper_change(tmp_path: Path) -> None:
    root = write_expenses(tmp_path, "        set_description(expense_id, text)\n", legacy=QUIET_LEGACY)
    assert ops104(root, use_cache=True) == []
    (root / "expenses" / "legacy.py").write_text(LEGACY)
    findings = ops104(root, use_cache=True)
    assert [(Path(f.path).name, f.line) for f in findings] == [("rename_expense.py", 8)]


def test_ops104_context_session_alias_not_reported(tmp_path: Path) -> None:
    body = (
        "        session = ctx.session\n"
        "        session.commit()\n"
        "        with ctx.runtime.session_factory() as own:\n"
        "            own.commit()\n"
    )
    findings = ops104(write_expenses(tmp_path, body))
    assert [f.line for f in findings] == [11]
    assert findings[0].message.startswith("OPS104 own.commit() commits own, ")


def test_ops104_module_name_bound_to_factory(tmp_path: Path) -> None:
    legacy = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import scoped_session, sessionmaker\n\n"
        "registry = scoped_session(sessionmaker(bind=create_engine('sqlite://')))\n"
        "ledger = object()\n\n\n"
        "def set_description(expense_id, text):\n"
        "    ledger.commit()\n"
        "    registry.commit()\n"
    )
    findings = ops104(write_expenses(tmp_path, "        set_description(expense_id, text)\n", legacy=legacy))
    assert [(Path(f.path).name, f.line) for f in findings] == [("rename_expense.py", 8)]
    assert [(h.line, h.name) for h in findings[0].via] == [(10, "registry.commit")]


def test_ops104_session_argument_to_helper(tmp_path: Path) -> None:
    legacy = (
        "from expenses.models import Expense\n\n\n"
        "def set_description(session, expense_id, text):\n"
        "    expense = session.get(Expense, expense_id)\n"
        "    expense.description = text\n"
        "    session.commit()\n"
    )
    body = (
        "        set_description(ctx.session, expense_id, text)\n"
        "        set_description(db.session, expense_id, text)\n"
        "        set_description(expense_id=expense_id, text=text, session=db.session)\n"
    )
    findings = ops104(write_expenses(tmp_path, body, legacy=legacy))
    assert [f.line for f in findings] == [9, 10]
    assert findings[0].message.startswith("OPS104 set_description() leads to session.commit() at expenses/legacy.py:7, ")
    assert "which commits db.session, " in findings[0].message
    assert [(h.line, h.name) for h in findings[0].via] == [(7, "session.commit")]


def test_ops104_savepoint_commit_not_reported(tmp_path: Path) -> None:
    body = (
        "        savepoint = ctx.session.begin_nested()\n"
        "        savepoint.commit()\n"
        "        ctx.session.begin_nested().commit()\n"
        "        db.session.commit()\n"
    )
    findings = ops104(write_expenses(tmp_path, body))
    assert [f.line for f in findings] == [11]


def test_ops104_rebound_name_uses_last_binding(tmp_path: Path) -> None:
    body = (
        "        if text:\n"
        "            session = db.session\n"
        "        session = ctx.session\n"
        "        session.commit()\n"
    )
    assert ops104(write_expenses(tmp_path, body)) == []
