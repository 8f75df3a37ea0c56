"""``opsgen.audit.install`` at start-up runs no DDL on an up-to-date database, so open audited transactions never hold it up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_support import AuditDatabase, plans
from opsgen.audit import AuditContext, AuditSchemaLockTimeout, create_audit_schema, history, install, set_audit_context
from opsgen.audit.postgres import SUPPORT_VERSION
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime

#: Seconds an install may take while a transaction is open; a blocked one takes until the transaction ends.
MAX_INSTALL_SECONDS = 3.0


def fresh_runtime(database: AuditDatabase) -> Runtime:
    """A runtime with an engine of its own, as a newly started web or worker process has."""
    return Runtime(Settings(root=Path.cwd(), database_url=database.url), migrate=False)


@contextmanager
def open_audited_transaction(database: AuditDatabase) -> Iterator[sa.Connection]:
    """Hold a transaction that set the audit context and changed an audited row, until the block ends."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        set_audit_context(connection, AuditContext(execution_id="long-running", actor="batch"))
        connection.execute(plans.update().where(plans.c.id == 1).values(amount=Decimal("20.00")))
        try:
            yield connection
        finally:
            if transaction.is_active:
                transaction.commit()


def run_with_deadline(action: Callable[[], None], seconds: float, unblock: Callable[[], None]) -> tuple[float, BaseException | None]:
    """Run ``action`` in a thread; past ``seconds``, call ``unblock`` so the thread ends. Return its duration and error."""
    outcome: list[BaseException | None] = [None]

    def target() -> None:
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome[0] = exc

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        unblock()
        thread.join(60)
    return elapsed, outcome[0]


#: The tests of PostgreSQL behaviour: its audit functions, lock_timeout and catalog. On
#: SQLite, install waits for the engine's busy timeout and has no functions to replace.
postgres_only = pytest.mark.parametrize("audit_db", ["postgresql", "postgresql-statement"], indirect=True)


@pytest.fixture
def installed(audit_db: AuditDatabase) -> AuditDatabase:
    runtime = fresh_runtime(audit_db)
    install(runtime, audit_db.config)
    runtime.dispose()
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    return audit_db


@pytest.mark.timeout(120)
def test_install_skips_current_schema_while_busy(installed: AuditDatabase) -> None:
    runtime = fresh_runtime(installed)
    with open_audited_transaction(installed) as long_transaction:
        elapsed, error = run_with_deadline(
            lambda: install(runtime, installed.config, install_triggers=True), MAX_INSTALL_SECONDS, long_transaction.rollback
        )
        assert error is None, error
        assert elapsed < MAX_INSTALL_SECONDS
        assert long_transaction.in_transaction()
    runtime.dispose()

    with installed.engine.connect() as connection:
        (version,) = history(connection, "billing_plan", 1, limit=1)
    assert version.execution_id == "long-running"
    assert version.changes == {"amount": [Decimal("10.00"), Decimal("20.00")]}


@postgres_only
@pytest.mark.timeout(120)
def test_install_replaces_outdated_functions_while_busy(installed: AuditDatabase) -> None:
    with installed.engine.begin() as connection:
        connection.exec_driver_sql("COMMENT ON FUNCTION opsgen_audit_stamp() IS 'opsgen audit support old'")
    runtime = fresh_runtime(installed)

    with open_audited_transaction(installed) as long_transaction:
        elapsed, error = run_with_deadline(lambda: install(runtime, installed.config), MAX_INSTALL_SECONDS, long_transaction.rollback)
        assert error is None, error
        assert elapsed < MAX_INSTALL_SECONDS
    runtime.dispose()

    with installed.engine.connect() as connection:
        comment = connection.exec_driver_sql(
            "SELECT obj_description(to_regprocedure('opsgen_audit_stamp()'), 'pg_proc')"
        ).scalar()
        (version,) = history(connection, "billing_plan", 1, limit=1)
    assert comment == SUPPORT_VERSION
    assert version.execution_id == "long-running"


@postgres_only
@pytest.mark.timeout(120)
def test_install_missing_index_times_out(installed: AuditDatabase) -> None:
    with installed.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX opsgen_audit_pending_txid")
    runtime = fresh_runtime(installed)

    with open_audited_transaction(installed) as long_transaction:
        holder = long_transaction.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        elapsed, error = run_with_deadline(
            lambda: install(runtime, installed.config, lock_timeout=0.5), MAX_INSTALL_SECONDS, long_transaction.rollback
        )
        assert elapsed < MAX_INSTALL_SECONDS
        assert isinstance(error, AuditSchemaLockTimeout), error
        assert "timed out after 0.5 s waiting for a lock" in str(error)
        assert "index opsgen_audit_pending_txid" in str(error)
        assert f"PostgreSQL backends {holder}" in str(error)
        assert "Run `opsgen audit install` once they have ended" in str(error)

    install(runtime, installed.config)
    runtime.dispose()
    with installed.engine.connect() as connection:
        index = connection.exec_driver_sql("SELECT to_regclass('opsgen_audit_pending_txid') IS NOT NULL").scalar()
    assert index is True


@postgres_only
def test_install_restores_caller_lock_timeout(installed: AuditDatabase) -> None:
    with installed.engine.begin() as connection:
        connection.exec_driver_sql("COMMENT ON FUNCTION opsgen_audit_stamp() IS 'opsgen audit support old'")

    with installed.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '7s'")
        create_audit_schema(connection, lock_timeout=1.0)
        lock_timeout = connection.exec_driver_sql("SHOW lock_timeout").scalar()
        comment = connection.exec_driver_sql(
            "SELECT obj_description(to_regprocedure('opsgen_audit_stamp()'), 'pg_proc')"
        ).scalar()

    assert lock_timeout == "7s"
    assert comment == SUPPORT_VERSION
