"""An implementation whose spec is gone stays on disk, is reported, and fails ``--check``.

Renaming ``expenses.approve_expense`` to ``expenses.approve`` leaves
``approve_expense.py`` with the user's code, importing a generated module that no longer
exists. opsgen never deletes it, but names it, the likely new name and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen_helpers import make_project, run_opsgen

APPROVE_SPEC = """\
name: expenses.approve_expense
input:
  expense_id: uuid
output:
  approved: bool
"""

REJECT_SPEC = """\
name: expenses.reject_expense
input:
  expense_id: uuid
output:
  rejected: bool
"""

OLD_PATH = Path("app/operations/expenses/approve_expense.py")
NEW_PATH = Path("app/operations/expenses/approve.py")

OLD_IMPLEMENTATION = '''\
"""Approve an expense."""

from __future__ import annotations

from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from ...generated.expenses.approve_expense import ApproveExpenseBase, ApproveExpenseOutput


class ApproveExpense(ApproveExpenseBase):
    def run(self, ctx: ExecutionContext, *, expense_id: UUID) -> ApproveExpenseOutput:
        return ApproveExpenseOutput(approved=True)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "expenses").mkdir()
    (root / "specs" / "expenses" / "approve_expense.yaml").write_text(APPROVE_SPEC)
    (root / "specs" / "expenses" / "reject_expense.yaml").write_text(REJECT_SPEC)
    first = run_opsgen(root, "generate")
    assert first.returncode == 0, first.stderr
    (root / OLD_PATH).write_text(OLD_IMPLEMENTATION)
    return root


def _rename(root: Path) -> None:
    old = root / "specs" / "expenses" / "approve_expense.yaml"
    (root / "specs" / "expenses" / "approve.yaml").write_text(APPROVE_SPEC.replace("approve_expense", "approve"))
    old.unlink()


def test_renamed_spec_reports_orphan(project: Path) -> None:
    _rename(project)

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    assert (project / OLD_PATH).read_text() == OLD_IMPLEMENTATION
    assert (project / NEW_PATH).exists()
    assert f"{OLD_PATH.as_posix()}:12: orphaned implementation" in process.stderr
    assert "no spec in specs defines expenses.approve_expense any more" in process.stderr
    assert f"probably renamed to expenses.approve: move your code into {NEW_PATH.as_posix()}" in process.stderr
    assert f"then delete {OLD_PATH.as_posix()}" in process.stderr


def test_check_fails_until_orphan_deleted(project: Path) -> None:
    _rename(project)
    assert run_opsgen(project, "generate").returncode == 0

    check = run_opsgen(project, "generate", "--check")
    (project / OLD_PATH).unlink()
    check_after_delete = run_opsgen(project, "generate", "--check")

    assert check.returncode == 1
    assert f"{OLD_PATH.as_posix()}:12: orphaned implementation" in check.stderr
    assert "1 orphaned implementation (see above) must be moved or deleted by hand" in check.stderr
    assert check_after_delete.returncode == 0, check_after_delete.stderr
    assert "orphaned" not in check_after_delete.stderr


def test_orphan_without_single_successor(project: Path) -> None:
    (project / "specs" / "expenses" / "approve_expense.yaml").unlink()

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    assert f"{OLD_PATH.as_posix()}:12: orphaned implementation" in process.stderr
    assert "probably renamed" not in process.stderr
    assert f"or delete {OLD_PATH.as_posix()}" in process.stderr
    assert (project / OLD_PATH).exists()


def test_check_after_rename_names_successor(project: Path) -> None:
    _rename(project)
    assert run_opsgen(project, "generate").returncode == 0

    check = run_opsgen(project, "generate", "--check")
    again = run_opsgen(project, "generate")

    assert check.returncode == 1
    assert f"probably renamed to expenses.approve: move your code into {NEW_PATH.as_posix()}" in check.stderr
    assert f"probably renamed to expenses.approve: move your code into {NEW_PATH.as_posix()}" in again.stderr


def test_successor_scaffold_names_old_code(project: Path) -> None:
    _rename(project)

    assert run_opsgen(project, "generate").returncode == 0

    docstring = " ".join((project / NEW_PATH).read_text().split('"""')[1].split())
    assert "found the spec of expenses.approve_expense gone" in docstring
    assert f"Move the code of ApproveExpense from {OLD_PATH.as_posix()} here" in docstring


def test_old_file_moved_onto_new_name(project: Path) -> None:
    _rename(project)
    assert run_opsgen(project, "generate").returncode == 0
    (project / OLD_PATH).replace(project / NEW_PATH)

    process = run_opsgen(project, "generate")
    check = run_opsgen(project, "generate", "--check")

    expected = (
        f"{NEW_PATH.as_posix()}: no class Approve found, but the file defines "
        "ApproveExpense(ApproveExpenseBase) on line 12, perhaps for the spec's old name; rename the class to "
        "Approve, make it subclass ApproveBase and import the generated names, so that the file has:\n"
        "from uuid import UUID\n"
        "from opsgen.runtime.execution import ExecutionContext\n"
        "from app.generated.expenses.approve import ApproveBase, ApproveOutput\n"
        "\n"
        "class Approve(ApproveBase):\n"
        "    def run(self, ctx: ExecutionContext, *, expense_id: UUID) -> ApproveOutput:\n"
    )
    assert process.returncode == 1
    assert expected in process.stderr
    assert check.returncode == 1
    assert expected in check.stderr


def test_missing_class_shows_scaffold_lines(project: Path) -> None:
    (project / OLD_PATH).write_text('"""Nothing here yet."""\n')

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert (
        f"{OLD_PATH.as_posix()}: no class ApproveExpense found; define it as:\n"
        "from uuid import UUID\n"
        "from opsgen.runtime.execution import ExecutionContext\n"
        "from app.generated.expenses.approve_expense import (\n"
    ) in process.stderr
    assert "class ApproveExpense(ApproveExpenseBase):\n" in process.stderr
