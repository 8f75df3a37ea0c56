"""Leases of running markers on PostgreSQL: renewed while a call runs, expired when its host died."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import insert, select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks.abandoned import sweep_abandoned
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions
from runtime_fixture_ops import make_runtime


@pytest.fixture
def postgres_runtime(postgres_url: str) -> Iterator[Runtime]:
    runtime = make_runtime(postgres_url)
    yield runtime
    runtime.dispose()


class WaitInput(BaseModel):
    seconds: float


class WaitOutput(BaseModel):
    waited: float


def waiting_handle(runtime: Runtime, *, transactional: bool) -> OperationHandle[Any, Any]:
    declaration = OperationDeclaration(
        "lease.wait", 1, "", WaitInput, WaitOutput,
        transaction=TransactionDeclaration() if transactional else None,
    )

    class Wait(Operation[WaitInput, WaitOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> WaitOutput:
            time.sleep(inputs["seconds"])
            return WaitOutput(waited=inputs["seconds"])

    Wait.declaration = declaration
    return OperationHandle(declaration, Wait, runtime)


def lease_of(runtime: Runtime) -> datetime | None:
    with runtime.engine.connect() as connection:
        query = select(executions.c.lease_expires_at).where(executions.c.operation == "lease.wait",
                                                             executions.c.status == "running")
        row = connection.execute(query).first()
    return None if row is None else row.lease_expires_at


@pytest.mark.parametrize("transactional", [True, False])
def test_lease_renewed_while_call_runs(postgres_runtime: Runtime, transactional: bool) -> None:
    markers = postgres_runtime.store.markers
    assert markers is not None
    markers.lease = 0.9  # renewed every 0.3 s
    postgres_runtime.store.marker_delay = 0.05
    handle = waiting_handle(postgres_runtime, transactional=transactional)
    caller = threading.Thread(target=handle, args=(Context(),), kwargs={"seconds": 2.5})
    caller.start()
    try:
        seen = []
        for _ in range(3):
            time.sleep(0.7)
            lease = lease_of(postgres_runtime)
            assert lease is not None, "no running marker"
            assert lease > datetime.now(timezone.utc), f"the lease expired at {lease} while the call ran"
            seen.append(lease)
    finally:
        caller.join(10)

    assert seen == sorted(seen), f"the lease went back: {seen}"
    assert len(set(seen)) == 3, f"the lease was not renewed: {seen}"
    assert sweep_abandoned(postgres_runtime.engine) == []
    rows = postgres_runtime.store.list_executions(operation="lease.wait")
    assert [row["status"] for row in rows] == ["succeeded"]


def running_row(host: str, lease: datetime | None) -> dict[str, Any]:
    execution_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    return {"id": execution_id, "operation": "lease.other_host", "operation_version": 1, "status": "running",
            "root_id": execution_id, "created_at": now, "started_at": now, "host": host, "pid": 4242,
            "lease_expires_at": lease}


def test_expired_lease_of_other_host_is_abandoned(postgres_runtime: Runtime) -> None:
    now = datetime.now(timezone.utc)
    expired = running_row("elsewhere", now - timedelta(seconds=1))
    current = running_row("elsewhere", now + timedelta(seconds=60))
    unknown = running_row("elsewhere", None)
    with postgres_runtime.engine.begin() as connection:
        connection.execute(insert(executions), [expired, current, unknown])

    marked = sweep_abandoned(postgres_runtime.engine)

    assert marked == [expired["id"]]
    statuses = {row["id"]: row for row in postgres_runtime.store.list_executions(operation="lease.other_host")}
    assert statuses[expired["id"]]["status"] == "abandoned"
    assert "lease" in statuses[expired["id"]]["error_message"]
    assert statuses[current["id"]]["status"] == "running"
    assert statuses[unknown["id"]]["status"] == "running"
