"""OPS201 reports a Pony entity checked or read and then changed: db_session writes it at commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

HEADER = """\
from pony.orm import db_session, select

from .models import Account, Seat

"""

REPORTED = {
    "claim_after_check": """
@db_session
def claim(seat_id, user_id):
    seat = Seat.get(id=seat_id)
    if seat.holder_id is not None:
        raise ValueError(seat_id)
    seat.holder_id = user_id
""",
    "computed_from_field": """
@db_session
def withdraw(account_id, amount):
    account = Account[account_id]
    account.balance = max(account.balance - amount, 0)
""",
}

NOT_REPORTED = {
    "claim_get_for_update": """
@db_session
def claim(seat_id, user_id):
    seat = Seat.get_for_update(id=seat_id)
    if seat.holder_id is not None:
        raise ValueError(seat_id)
    seat.holder_id = user_id
""",
    "claim_select_for_update": """
@db_session
def claim(seat_id, user_id):
    seat = select(s for s in Seat if s.id == seat_id).for_update().first()
    if seat.holder_id is not None:
        raise ValueError(seat_id)
    seat.holder_id = user_id
""",
    "same_value_skipped": """
@db_session
def close(seat_id):
    seat = Seat[seat_id]
    if seat.state == "closed":
        return
    seat.state = "closed"
""",
}


def _ops201(tmp_path: Path, body: str) -> list[Finding]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/seats.py": HEADER + body})
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS201"]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_pony_entity_write_back_reported(tmp_path: Path, name: str) -> None:
    findings = _ops201(tmp_path, REPORTED[name])

    assert [f.line for f in findings] == [8]
    assert "get_for_update()" in findings[0].message


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_pony_entity_write_not_reported(tmp_path: Path, name: str) -> None:
    assert _ops201(tmp_path, NOT_REPORTED[name]) == []
