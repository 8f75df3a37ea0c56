"""The SQLAlchemy remedies of OPS201 and OPS202 warn that SQLite ignores FOR UPDATE."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.loader import load_rules

from tests_lint_support import write_project  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]

DEBIT = """\
from sqlalchemy import select


def debit(session, account_id, amount):
    account = session.execute(select(Account).where(Account.id == account_id)).scalar_one()
    account.balance -= amount
    session.commit()
"""

CLAIM = """\
from sqlalchemy import select


def claim(session, seat_id, user):
    with session.begin():
        seat = session.execute(select(Seat).where(Seat.id == seat_id)).scalar_one()
        if seat.holder_id is not None:
            raise ValueError(seat_id)
        seat.holder_id = user.id
"""


@pytest.mark.parametrize(
    ("code", "source", "atomic_update"),
    [
        ("OPS202", DEBIT, "update(Account).values(balance=Account.balance - n)"),
        ("OPS201", CLAIM, "update(Seat).where(...).values(...)"),
    ],
)
def test_sqlalchemy_remedy_warns_sqlite(tmp_path: Path, code: str, source: str, atomic_update: str) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/code.py": source})
    messages = [f.message for f in lint_paths([root], use_cache=False).findings if f.code == code]

    assert len(messages) == 1, messages
    message = messages[0]
    assert atomic_update in message
    assert "with_for_update() (not on SQLite)" in message
    assert message.endswith("or declare an opsgen lock")
    assert message.index(atomic_update) < message.index("with_for_update()")


@pytest.mark.parametrize("code", ["OPS201", "OPS202"])
def test_rule_page_explains_sqlite(code: str) -> None:
    rule = next(rule for rule in load_rules() if rule.code == code)
    page = (ROOT / "docs" / "rules" / f"{code.lower()}.md").read_text()

    for text in (rule.__doc__ or "", page):
        assert "SQLite has no row locks" in text
        assert "UPDATE ... SET x = x + :n" in text
