"""The final record's insert on the driver's cursor reads back like SQLAlchemy's."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from opsgen.runtime.record_sql import insert_record
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


def row_values(**changes: Any) -> dict[str, Any]:
    execution_id = str(uuid.uuid4())
    now = datetime(2026, 12, 4, 10, 30, 15, 123456, tzinfo=timezone.utc)
    return {
        "id": execution_id, "operation": "record.sql", "operation_version": 2, "status": "succeeded",
        "root_id": execution_id, "actor": "ana", "context_extra": {"tenant": "t1"},
        "input": {"amount": 12.5, "tags": ["a", "b"], "note": "naïve ✓"}, "output": {"ok": True},
        "created_at": now, "started_at": now, "finished_at": now, "duration_ms": 1.25,
        "host": "h", "pid": 42, "lock_keys": ["account:1"], "fencing_token": 2**40, **changes,
    }


def read(runtime: Runtime, execution_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


def test_driver_insert_reads_like_core(runtime: Runtime) -> None:
    driver, core = row_values(), row_values()
    with runtime.engine.begin() as connection:
        assert insert_record(connection, driver, upsert=False)
        connection.execute(insert(executions), core)

    by_driver, by_core = read(runtime, driver["id"]), read(runtime, core["id"])

    for name in by_core:
        if name not in ("id", "root_id"):
            assert by_driver[name] == by_core[name], name
    assert by_driver["input"] == driver["input"]


def test_driver_insert_rolls_back_with_transaction(runtime: Runtime) -> None:
    values = row_values()
    with pytest.raises(RuntimeError), runtime.engine.begin() as connection:
        insert_record(connection, values, upsert=False)
        raise RuntimeError("undo")

    with runtime.engine.connect() as connection:
        assert connection.execute(select(executions.c.id).where(executions.c.id == values["id"])).first() is None


def test_driver_error_is_sqlalchemy_error(runtime: Runtime) -> None:
    values = row_values()
    with runtime.engine.begin() as connection:
        assert insert_record(connection, values, upsert=False)

    with pytest.raises(IntegrityError), runtime.engine.begin() as connection:
        insert_record(connection, values, upsert=False)


def test_driver_upsert_replaces_running_row(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "postgresql":
        with runtime.engine.begin() as connection:
            assert not insert_record(connection, row_values(), upsert=True)
        return
    values = row_values()
    with runtime.engine.begin() as connection:
        connection.execute(insert(executions), {**values, "status": "running", "output": None})
    with runtime.engine.begin() as connection:
        assert insert_record(connection, values, upsert=True)

    row = read(runtime, values["id"])
    assert row["status"] == "succeeded"
    assert row["output"] == {"ok": True}
