"""The pending record of ``enqueue(..., durable=False)`` on a real PostgreSQL log.

Without ``durable`` the pending record's commit skips the wait for the disk. It is
one ``INSERT`` in autocommit mode on the dedicated connection, like the durable
write, with ``set_config`` in place of a ``SET LOCAL`` round trip and its own
``BEGIN`` and ``COMMIT``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from integration_ops import ops
from integration_postgres import postgres_runtime
from sqlalchemy import event, select

from opsgen.integrations.background import QueuedCall, enqueue, sender
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    with postgres_runtime(postgres_url) as made:
        yield made


def enqueue_note(runtime: Runtime, text: str, *, durable: bool) -> str:
    sent: list[QueuedCall] = []
    context = Context(actor="lee", organization="acme", extra={"tenant": "t-1"})
    return enqueue(ops.demo.record_note.bind(runtime), context, {"text": text}, sent.append, durable=durable)


def stored_row(runtime: Runtime, execution_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


def test_unflushed_enqueue_one_statement(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    enqueue_note(runtime, "warm up", durable=False)
    statements: list[str] = []
    execute_on_driver = sender.execute_on_driver

    def recorded(connection: Any, sql: str, parameters: Any, **options: Any) -> Any:
        statements.append(sql)
        return execute_on_driver(connection, sql, parameters, **options)

    transactions: list[object] = []

    def began(connection: object) -> None:
        transactions.append(connection)

    event.listen(runtime.engine, "begin", began)
    monkeypatch.setattr(sender, "execute_on_driver", recorded)
    try:
        execution_id = enqueue_note(runtime, "fast", durable=False)
    finally:
        event.remove(runtime.engine, "begin", began)

    assert transactions == []
    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO opsgen_executions (")
    assert "set_config('synchronous_commit', 'off', true)" in statements[0]
    assert stored_row(runtime, execution_id)["status"] == "pending"


def test_unflushed_record_matches_durable_one(runtime: Runtime) -> None:
    durable = stored_row(runtime, enqueue_note(runtime, "same", durable=True))
    unflushed = stored_row(runtime, enqueue_note(runtime, "same", durable=False))

    varying = {"id", "root_id", "created_at"}
    assert {key: value for key, value in unflushed.items() if key not in varying} == {
        key: value for key, value in durable.items() if key not in varying
    }
    assert unflushed["root_id"] == unflushed["id"]
    assert unflushed["input"] == {"text": "same", "hold": None}
    assert unflushed["context_extra"] == {"tenant": "t-1"}
