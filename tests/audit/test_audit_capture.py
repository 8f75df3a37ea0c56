"""Every kind of write to an audited table is recorded and attributed, on every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session

from audit_support import AuditDatabase, audit_rows, plans
from opsgen.audit import AuditContext, changes_for_execution, history, set_audit_context


class Base(DeclarativeBase):
    pass


class Plan(Base):
    __table__ = plans

    id: Mapped[int]
    name: Mapped[str]
    amount: Mapped[Decimal]


CONTEXT = AuditContext(
    execution_id="exec-1", actor="alice", operation="billing.change_plan", trace_id="trace-1",
    expected_entities=("billing_plan",),
)


def seed(database: AuditDatabase, *ids: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(plans.insert(), [{"id": i, "name": f"plan {i}", "amount": Decimal("10.00")} for i in ids])


def test_orm_update_recorded(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with Session(audit_db.engine) as session, session.begin():
        set_audit_context(session.connection(), CONTEXT)
        plan = session.get(Plan, 1)
        assert plan is not None
        plan.amount = Decimal("12.50")

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
    assert [v.version for v in versions] == [2, 1]
    latest = versions[0]
    assert latest.action == "update"
    assert latest.changes == {"amount": [Decimal("10.00"), Decimal("12.50")]}
    assert latest.execution_id == "exec-1"
    assert latest.actor == "alice"
    assert latest.operation == "billing.change_plan"
    assert latest.trace_id == "trace-1"
    assert latest.origin == "runtime"
    assert latest.unexpected is False


def test_bulk_update_recorded_per_row(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1, 2, 3)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(plans.update().where(plans.c.id >= 2).values(interval_days=plans.c.interval_days + 1))

    with audit_db.engine.connect() as connection:
        changes = changes_for_execution(connection, "exec-1")
    assert sorted(change.entity_id for change in changes) == ["2", "3"]
    assert all(change.changes == {"interval_days": [30, 31]} for change in changes)


def test_raw_sql_recorded(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.exec_driver_sql("UPDATE billing_plans SET name = 'renamed' WHERE id = 1")

    with audit_db.engine.connect() as connection:
        latest = history(connection, "billing_plan", 1, limit=1)[0]
    assert latest.changes == {"name": ["plan 1", "renamed"]}
    assert latest.execution_id == "exec-1"


def test_upsert_recorded(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    insert = postgresql.insert if audit_db.dialect == "postgresql" else sqlite.insert
    statement = insert(plans).values(
        [{"id": 1, "name": "upserted", "amount": Decimal("10.00")}, {"id": 2, "name": "new", "amount": Decimal("5.00")}]
    )
    statement = statement.on_conflict_do_update(index_elements=[plans.c.id], set_={"name": statement.excluded.name})
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(statement)

    with audit_db.engine.connect() as connection:
        changes = {change.entity_id: change for change in changes_for_execution(connection, "exec-1")}
    assert changes["1"].action == "update"
    assert changes["1"].changes == {"name": ["plan 1", "upserted"]}
    assert changes["2"].action == "insert"
    assert changes["2"].changes["name"] == "new"


def test_delete_recorded_with_full_row(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(plans.delete().where(plans.c.id == 1))

    with audit_db.engine.connect() as connection:
        latest = history(connection, "billing_plan", 1, limit=1)[0]
    assert latest.action == "delete"
    assert latest.changes["name"] == "plan 1"
    assert latest.changes["amount"] == Decimal("10.00")
    assert latest.execution_id == "exec-1"


def test_truncate_recorded(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1, 2)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        # SQLite has no TRUNCATE: an unqualified DELETE is its equivalent, and with
        # triggers on the table it deletes row by row.
        statement = "TRUNCATE billing_plans" if audit_db.dialect == "postgresql" else "DELETE FROM billing_plans"
        connection.exec_driver_sql(statement)

    with audit_db.engine.connect() as connection:
        changes = changes_for_execution(connection, "exec-1")
    assert sorted(change.entity_id for change in changes) == ["1", "2"]
    expected_action = "truncate" if audit_db.dialect == "postgresql" else "delete"
    assert {change.action for change in changes} == {expected_action}
    assert all(change.changes["name"].startswith("plan") for change in changes)


def test_write_without_context_is_raw(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.connect() as connection:
        latest = history(connection, "billing_plan", 1, limit=1)[0]
    assert latest.origin == "raw"
    assert latest.execution_id is None
    assert latest.actor is None
    if audit_db.dialect == "postgresql":
        assert latest.db_user == "postgres"


def test_context_does_not_leak_into_next_transaction(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(plans.update().values(name="with context"))
    with audit_db.engine.begin() as connection:
        connection.execute(plans.update().values(name="without context"))

    with audit_db.engine.connect() as connection:
        latest, previous = history(connection, "billing_plan", 1, limit=2)
    assert previous.execution_id == "exec-1"
    assert latest.origin == "raw"
    assert latest.execution_id is None


def test_sensitive_masked_and_excluded_ignored(audit_db: AuditDatabase) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(
            plans.insert().values(id=1, name="p", amount=Decimal("1.00"), card_token="tok_secret", updated_at="t0")
        )
        connection.execute(plans.update().values(card_token="tok_other", updated_at="t1"))
        connection.execute(plans.update().values(updated_at="t2"))

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
        stored = " ".join(str(row) for row in connection.exec_driver_sql("SELECT changes FROM opsgen_audit_change"))
    assert [v.action for v in versions] == ["update", "insert"]
    assert versions[0].changes == {"card_token": ["***", "***"]}
    assert versions[1].changes["card_token"] == "***"
    assert "updated_at" not in versions[1].changes
    assert "tok_" not in stored


def test_undeclared_entity_reported(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        set_audit_context(
            connection,
            AuditContext(execution_id="exec-2", operation="billing.send_invoice", expected_entities=("invoice",)),
        )
        connection.execute(plans.update().values(amount=Decimal("99.00")))

    from opsgen.audit import unexpected_changes

    with audit_db.engine.connect() as connection:
        found = unexpected_changes(connection)
    assert [(v.entity, v.entity_id, v.operation) for v in found] == [("billing_plan", "1", "billing.send_invoice")]


def test_rolled_back_savepoint_leaves_no_row(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1, 2)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(plans.update().where(plans.c.id == 1).values(name="outer"))
        savepoint = connection.begin_nested()
        connection.execute(plans.update().where(plans.c.id == 2).values(name="inner"))
        savepoint.rollback()
        connection.execute(plans.update().where(plans.c.id == 1).values(amount=Decimal("2.00")))

    with audit_db.engine.connect() as connection:
        changes = changes_for_execution(connection, "exec-1")
        names = dict(connection.execute(sa.select(plans.c.id, plans.c.name)).all())
    assert names == {1: "outer", 2: "plan 2"}
    assert [(c.entity_id, c.version) for c in changes] == [("1", 2), ("1", 3)]


def test_rolled_back_transaction_leaves_no_row(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.connect() as connection:
        with connection.begin() as transaction:
            set_audit_context(connection, CONTEXT)
            connection.execute(plans.update().values(name="discarded"))
            transaction.rollback()
        rows = audit_rows(connection)
    assert [(row.entity_id, row.version, row.action) for row in rows] == [("1", 1, "I")]


def test_no_op_update_not_recorded(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.update().values(name="plan 1"))
        rows = audit_rows(connection)
    assert len(rows) == 1


@pytest.mark.parametrize("audit_db", ["postgresql"], indirect=True)
def test_raw_write_names_application(audit_db: AuditDatabase) -> None:
    engine = sa.create_engine(audit_db.url, connect_args={"application_name": "psql"})
    try:
        with engine.begin() as connection:
            connection.execute(plans.insert().values(id=7, name="by hand", amount=Decimal("1.00")))
            connection.exec_driver_sql("UPDATE billing_plans SET name = 'again' WHERE id = 7")
        with engine.connect() as connection:
            versions = history(connection, "billing_plan", 7)
    finally:
        engine.dispose()
    assert [v.origin for v in versions] == ["raw", "raw"]
    assert {v.application_name for v in versions} == {"psql"}
    assert [v.version for v in versions] == [2, 1]


def test_changed_id_ends_and_starts_entity(audit_db: AuditDatabase) -> None:
    seed(audit_db, 1)
    with audit_db.engine.begin() as connection:
        set_audit_context(connection, CONTEXT)
        connection.execute(plans.update().where(plans.c.id == 1).values(id=5, name="moved"))

    with audit_db.engine.connect() as connection:
        old = history(connection, "billing_plan", 1, limit=1)[0]
        new = history(connection, "billing_plan", 5)
    assert old.action == "delete"
    assert old.changes["name"] == "plan 1"
    assert [v.action for v in new] == ["insert"]
    assert new[0].changes["name"] == "moved"
    assert new[0].execution_id == "exec-1"
