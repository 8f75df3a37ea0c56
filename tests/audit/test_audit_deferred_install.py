"""``opsgen.audit.install(..., defer_schema=True)``: no database at install, the audit schema on first use."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from audit_support import PLAN, drop_postgres_database, fresh_postgres_database, metadata, plans
from opsgen.audit import AuditConfig, history, install
from opsgen.audit import hook as audit_hook_module
from opsgen.audit.hook import audit_hook, audited_tables
from opsgen.audit.install import check_entity
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.execution import ExecutionInfo
from opsgen.runtime.runtime import Runtime

CONFIG = AuditConfig.of(PLAN)


def runtime_on(url: str) -> Runtime:
    return Runtime(Settings(root=Path.cwd(), database_url=url), migrate=False)


def execution_info(actor: str) -> ExecutionInfo:
    execution_id = str(uuid.uuid4())
    return ExecutionInfo(
        execution_id=execution_id,
        operation="billing.change_plan",
        context=Context(actor=actor),
        parent_execution_id=None,
        root_execution_id=execution_id,
        audit_changes=("billing_plan",),
    )


def has_audit_tables(engine: sa.Engine) -> bool:
    return sa.inspect(engine).has_table("opsgen_audit_change")


@pytest.fixture
def plans_database(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database with the billing_plans table and no audit objects."""
    url, admin = fresh_postgres_database(postgres_url)
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_postgres_database(admin, url)


@pytest.mark.postgres
def test_deferred_install_opens_no_connection() -> None:
    # Nothing listens on port 9 of loopback, so any connection attempt would raise.
    runtime = runtime_on("postgresql+psycopg://postgres@127.0.0.1:9/unreachable")

    install(runtime, CONFIG, install_triggers=True, defer_schema=True)

    assert audit_hook in runtime.on_transaction_begin
    assert audited_tables(runtime) == frozenset({"billing_plans"})
    assert runtime.engine.pool.checkedout() == 0
    runtime.dispose()


@pytest.mark.postgres
def test_deferred_schema_outlives_rollback_of_first_transaction(plans_database: str) -> None:
    runtime = runtime_on(plans_database)
    install(runtime, CONFIG, install_triggers=True, defer_schema=True)
    assert not has_audit_tables(runtime.engine)

    with runtime.engine.connect() as connection:
        first = connection.begin()
        audit_hook(connection, execution_info("ann"))
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
        first.rollback()

    assert has_audit_tables(runtime.engine)
    with runtime.engine.connect() as connection:
        assert check_entity(connection, PLAN) is None

    with runtime.engine.begin() as connection:
        audit_hook(connection, execution_info("ben"))
        connection.execute(plans.insert().values(id=2, name="pro", amount=Decimal("20.00")))
    with runtime.engine.connect() as connection:
        versions = history(connection, "billing_plan", 2)
    assert [(version.action, version.actor) for version in versions] == [("insert", "ben")]
    runtime.dispose()


@pytest.mark.postgres
def test_concurrent_first_transactions_set_up_once(plans_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = runtime_on(plans_database)
    install(runtime, CONFIG, install_triggers=True, defer_schema=True)
    original = audit_hook_module._create_schema
    setups: list[int] = []
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def counted_setup(*args: Any, **kwargs: Any) -> None:
        setups.append(1)
        original(*args, **kwargs)

    monkeypatch.setattr(audit_hook_module, "_create_schema", counted_setup)

    def first_transaction() -> None:
        try:
            start.wait()
            with runtime.engine.begin() as connection:
                audit_hook(connection, execution_info("cy"))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=first_transaction) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(setups) == 1
    runtime.dispose()


@pytest.mark.postgres
def test_failed_deferred_setup_retries_next_transaction(plans_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = runtime_on(plans_database)
    install(runtime, CONFIG, defer_schema=True)
    original = audit_hook_module._create_schema
    attempts: list[int] = []

    def failing_once(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        original(*args, **kwargs)

    monkeypatch.setattr(audit_hook_module, "_create_schema", failing_once)

    with pytest.raises(sa.exc.OperationalError):
        with runtime.engine.begin() as connection:
            audit_hook(connection, execution_info("dee"))
    with runtime.engine.begin() as connection:
        audit_hook(connection, execution_info("dee"))

    assert len(attempts) == 2
    assert has_audit_tables(runtime.engine)
    runtime.dispose()


def test_deferred_install_rejects_sqlite(tmp_path: Path) -> None:
    runtime = runtime_on(f"sqlite:///{tmp_path}/ops.db")

    with pytest.raises(ValueError, match="defer_schema=True\\) needs PostgreSQL"):
        install(runtime, CONFIG, defer_schema=True)

    assert audit_hook not in runtime.on_transaction_begin
    runtime.dispose()
