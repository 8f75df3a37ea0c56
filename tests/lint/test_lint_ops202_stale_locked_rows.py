"""OPS202 and rows whose lock does not cover the value changed: a threading lock, or a
SQLAlchemy row locked after the session already held it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS202"]


def _findings(source: str, tmp_path: Path) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint_example(Example(source), RULES, tmp_path)]


WITHDRAW = """\
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.models import Account


def withdraw(session: Session, account_id: int, amount: int) -> None:
    account = session.get(Account, {first_key})
    {between}
    locked = {locking}
    locked.balance -= amount
    session.commit()
"""
LOCKING_SELECT = "session.scalars(select(Account).where(Account.id == account_id).with_for_update()).one()"


def test_lock_after_unlocked_load_of_same_row(tmp_path: Path) -> None:
    source = WITHDRAW.format(first_key="account_id", between="pass", locking=LOCKING_SELECT)
    [(line, message)] = _findings(source, tmp_path)
    assert line == 11
    assert "from the value read on line 8" in message
    assert "populate_existing" in message


def test_session_get_with_lock_after_unlocked_load(tmp_path: Path) -> None:
    source = WITHDRAW.format(first_key="account_id", between="pass", locking="session.get(Account, account_id, with_for_update=True)")
    assert [line for line, _ in _findings(source, tmp_path)] == [11]


@pytest.mark.parametrize(
    ("first_key", "between", "locking"),
    [
        ("account_id", "pass", LOCKING_SELECT.replace("with_for_update()", "with_for_update().execution_options(populate_existing=True)")),
        ("account_id", "session.expire(account)", LOCKING_SELECT),
        ("account_id", "session.commit()", LOCKING_SELECT),
        ("other_id", "pass", LOCKING_SELECT),
    ],
)
def test_lock_that_reads_the_row_again(first_key: str, between: str, locking: str, tmp_path: Path) -> None:
    source = WITHDRAW.replace("account_id: int,", "account_id: int, other_id: int,").format(first_key=first_key, between=between, locking=locking)
    assert _findings(source, tmp_path) == []


class _Base(DeclarativeBase):
    pass


class _Account(_Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    balance: Mapped[int]


def test_identity_map_keeps_attributes_without_populate_existing(tmp_path: Path) -> None:
    # The behaviour the rule relies on, on a real SQLite database: a later query for a row
    # already in the session returns the old attributes unless populate_existing is set.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(_Account(id=1, balance=100))
        session.commit()
    with Session(engine) as session:
        held = session.get(_Account, 1)  # the identity map keeps only objects still referenced
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE accounts SET balance = 40 WHERE id = 1"))
        locking = sa.select(_Account).where(_Account.id == 1).with_for_update()
        assert session.scalars(locking).one().balance == 100
        assert session.get(_Account, 1, with_for_update=True).balance == 100
        assert session.scalars(locking.execution_options(populate_existing=True)).one().balance == 40
        assert held.balance == 40


THREAD_LOCKED = """\
import threading

from shop.models import Counter

_lock = threading.Lock()
_redis_lock = cache.lock("counter")


def bump(pk):
    with {lock}:
        counter = Counter.objects.get(pk=pk)
        counter.value += 1
        counter.save()
"""


def test_threading_lock_does_not_lock_a_row(tmp_path: Path) -> None:
    [(line, message)] = _findings(THREAD_LOCKED.format(lock="_lock"), tmp_path)
    assert line == 12
    assert "the threading lock _lock taken on line 10 serialises the threads of one process only" in message


def test_other_lock_still_counts(tmp_path: Path) -> None:
    assert _findings(THREAD_LOCKED.format(lock="_redis_lock"), tmp_path) == []
