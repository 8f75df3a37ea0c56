"""OPS201 and OPS202 follow a row that a project helper loads and returns to its caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

HEADER = """\
from django.db import transaction

from bank.models import Account

"""

REPORTED = {
    "lock_released_inside_helper": """
def _locked(pk):
    with transaction.atomic():
        return Account.objects.select_for_update().get(pk=pk)


def withdraw(pk, amount):
    account = _locked(pk)
    account.balance -= amount
    account.save()
""",
    "one_return_unlocked": """
def _account(pk, lock):
    if lock:
        return Account.objects.select_for_update().get(pk=pk)
    return Account.objects.get(pk=pk)


@transaction.atomic
def withdraw(pk, amount):
    account = _account(pk, True)
    account.balance -= amount
    account.save()
""",
    "awaited_async_helper": """
async def _account(pk):
    return await Account.objects.aget(pk=pk)


async def withdraw(pk, amount):
    account = await _account(pk)
    account.balance -= amount
    await account.asave()
""",
}

NOT_REPORTED = {
    "locked_inside_helper_block_caller_atomic": """
def _locked(pk):
    with transaction.atomic():
        return Account.objects.select_for_update().get(pk=pk)


@transaction.atomic
def withdraw(pk, amount):
    account = _locked(pk)
    account.balance -= amount
    account.save()
""",
    "locked_through_bound_query": """
def _locked(pk):
    rows = Account.objects.select_for_update()
    return rows.get(pk=pk)


@transaction.atomic
def withdraw(pk, amount):
    account = _locked(pk)
    account.balance -= amount
    account.save()
""",
}


def _lock_findings(tmp_path: Path, body: str) -> list[Finding]:
    root = write_project(tmp_path / "project", {"bank/__init__.py": "", "bank/accounts.py": HEADER + body})
    return [f for f in lint_paths([root], use_cache=False).findings if f.code.startswith("OPS2")]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_helper_row_reported(tmp_path: Path, name: str) -> None:
    source = HEADER + REPORTED[name]
    decrement = next(number for number, line in enumerate(source.splitlines(), start=1) if "-= amount" in line)

    findings = _lock_findings(tmp_path, REPORTED[name])

    assert [(f.code, f.line) for f in findings] == [("OPS202", decrement)]


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_helper_row_not_reported(tmp_path: Path, name: str) -> None:
    assert _lock_findings(tmp_path, NOT_REPORTED[name]) == []


def test_helper_module_change_reaches_cached_caller(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "bank/__init__.py": "",
            "bank/rows.py": "from bank.models import Account\n\n\ndef locked(pk):\n    return Account.objects.get(pk=pk)\n",
            "bank/accounts.py": (
                "from django.db import transaction\n\nfrom bank.rows import locked\n\n\n"
                "@transaction.atomic\ndef withdraw(pk, amount):\n    account = locked(pk)\n"
                "    account.balance -= amount\n    account.save()\n"
            ),
        },
    )
    first = [f.line for f in lint_paths([root]).findings if f.code == "OPS202"]
    rows = root / "bank" / "rows.py"
    rows.write_text(rows.read_text().replace("objects.get(", "objects.select_for_update().get("))
    second = [f.line for f in lint_paths([root]).findings if f.code == "OPS202"]

    assert first == [9]
    assert second == []
