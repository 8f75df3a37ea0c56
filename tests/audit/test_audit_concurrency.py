"""Two writers on one row get versions in commit order, with real concurrent processes."""

from __future__ import annotations

import multiprocessing
import time
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from audit_support import AuditDatabase, plans, write_in_process
from opsgen.audit import history

spawn = multiprocessing.get_context("spawn")


def seed(database: AuditDatabase) -> None:
    with database.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="plan", amount=Decimal("1.00")))


def start_writer(
    database: AuditDatabase, actor: str, amount: str, *, write_now: bool, commit_now: bool
) -> tuple[Any, Any, Any, Any]:
    may_write, wrote, may_commit = spawn.Event(), spawn.Event(), spawn.Event()
    if write_now:
        may_write.set()
    if commit_now:
        may_commit.set()
    process = spawn.Process(
        target=write_in_process, args=(database.url, actor, amount, may_write, wrote, may_commit)
    )
    process.start()
    return process, may_write, wrote, may_commit


def wait_until_blocked(database: AuditDatabase, seconds: float = 1.0) -> None:
    """On PostgreSQL wait until a backend waits on a lock; on SQLite give the writer time to reach its busy wait."""
    if database.dialect != "postgresql":
        time.sleep(seconds)
        return
    deadline = time.monotonic() + 20
    with database.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar()
            # Statistics views are read once per transaction: end it to see fresh rows.
            connection.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second writer never waited for the first one's row lock")


@pytest.mark.timeout(120)
def test_blocked_writer_versions_after_first(audit_db: AuditDatabase) -> None:
    seed(audit_db)
    first, first_may_write, first_wrote, first_commit = start_writer(audit_db, "first", "2.00", write_now=True, commit_now=False)
    assert first_wrote.wait(30)
    # Keep every event referenced until the child has unpickled it.
    second, *second_events = start_writer(audit_db, "second", "3.00", write_now=True, commit_now=True)
    wait_until_blocked(audit_db)
    first_commit.set()
    first.join(60)
    second.join(60)
    assert first.exitcode == 0
    assert second.exitcode == 0

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
    by_actor = {v.actor: v for v in versions}
    assert by_actor["first"].version == 2
    assert by_actor["second"].version == 3
    assert by_actor["first"].committed_at < by_actor["second"].committed_at
    assert by_actor["second"].changes == {"amount": [Decimal("2.00"), Decimal("3.00")]}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("audit_db", ["postgresql", "postgresql-statement"], indirect=True)
def test_versions_follow_commit_not_start(audit_db: AuditDatabase) -> None:
    seed(audit_db)
    early, early_may_write, *early_events = start_writer(audit_db, "early", "2.00", write_now=False, commit_now=True)
    # The early transaction is open before the late one starts, and commits after it.
    time.sleep(0.5)
    late, *late_events = start_writer(audit_db, "late", "3.00", write_now=True, commit_now=True)
    late.join(60)
    assert late.exitcode == 0
    early_may_write.set()
    early.join(60)
    assert early.exitcode == 0

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
        amount = connection.execute(sa.select(plans.c.amount)).scalar_one()
    by_actor = {v.actor: v for v in versions}
    assert by_actor["late"].version == 2
    assert by_actor["early"].version == 3
    assert by_actor["late"].committed_at < by_actor["early"].committed_at
    assert amount == Decimal("2.00")


@pytest.mark.timeout(120)
def test_crashed_writer_leaves_no_context(audit_db: AuditDatabase) -> None:
    from audit_support import crash_after_write

    seed(audit_db)
    process = spawn.Process(target=crash_after_write, args=(audit_db.url,))
    process.start()
    process.join(60)
    assert process.exitcode == 3

    with audit_db.engine.begin() as connection:
        connection.execute(plans.update().where(plans.c.id == 1).values(amount=Decimal("5.00")))
    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].origin == "raw"
    assert versions[0].actor is None
    assert versions[0].changes == {"amount": [Decimal("1.00"), Decimal("5.00")]}
