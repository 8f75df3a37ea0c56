"""The dedicated autocommit connection of the sender and the worker, on a real PostgreSQL log.

The pending record, the claim and the final record of a call without a transaction
run on one connection per runtime and process, checked out of the pool once. These
tests check that it is reused, lent out when busy, replaced after the server ends it,
returned on errors and on ``Runtime.dispose``, and never used in a forked child.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from integration_ops import ops
from integration_postgres import postgres_runtime
from sqlalchemy import event, select

from opsgen.integrations.background import QueuedCall, attempts_of, enqueue, run_queued, single_statements
from opsgen.integrations.background import database as background_database
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    with postgres_runtime(postgres_url) as made:
        yield made


def enqueue_and_run(runtime: Runtime, counter: Path) -> QueuedCall:
    """Queue ``demo.flaky``, an operation without a transaction, and run it to success."""
    sent: list[QueuedCall] = []
    enqueue(ops.demo.flaky.bind(runtime), Context(actor="kim"), {"counter": str(counter), "succeed_on": 1}, sent.append)
    outcome = run_queued(index_operations(ops, runtime), runtime, sent[0], lease=30)
    assert outcome.result is not None
    assert outcome.result.ok
    return sent[0]


def backend_pid(runtime: Runtime) -> int:
    with single_statements(runtime) as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert isinstance(pid, int)
    return pid


def count_checkouts(runtime: Runtime) -> list[int]:
    counted = [0]

    @event.listens_for(runtime.engine, "checkout")
    def checked_out(*_args: object) -> None:
        counted[0] += 1

    return counted


def admin_url(postgres_url: str) -> str:
    return postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_dedicated_connection_serves_sender_and_worker(runtime: Runtime, tmp_path: Path) -> None:
    enqueue_and_run(runtime, tmp_path / "first")  # opens the dedicated connection
    checkouts = count_checkouts(runtime)

    calls = [enqueue_and_run(runtime, tmp_path / f"call-{number}") for number in range(5)]

    assert checkouts[0] == 0
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(executions.c.status, executions.c.output, executions.c.lease_expires_at)
            .where(executions.c.id.in_([call.execution_id for call in calls]))
        ).all()
    assert len(rows) == 5
    assert [row.output for row in rows] == [{"attempts": 1}] * 5
    assert {row.status for row in rows} == {"succeeded"}
    assert {row.lease_expires_at for row in rows} == {None}
    assert [row["status"] for row in attempts_of(runtime, calls[0].execution_id)] == ["succeeded"]


def test_busy_dedicated_connection_lends_pool_connection(runtime: Runtime) -> None:
    holding = threading.Event()
    release = threading.Event()
    held_pid: list[int] = []

    def hold() -> None:
        with single_statements(runtime) as connection:
            held_pid.append(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        lent_pid = backend_pid(runtime)
    finally:
        release.set()
        holder.join(10)

    assert lent_pid != held_pid[0]
    assert backend_pid(runtime) == held_pid[0]


def test_dedicated_connection_replaced_after_server_ends_it(
    runtime: Runtime, postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(background_database, "PING_AFTER_IDLE", 0.0)
    first = backend_pid(runtime)
    with psycopg.connect(admin_url(postgres_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))

    call = enqueue_and_run(runtime, tmp_path / "after-restart")

    assert backend_pid(runtime) != first
    with runtime.engine.connect() as connection:
        output = connection.execute(select(executions.c.output).where(executions.c.id == call.execution_id)).scalar()
    assert output == {"attempts": 1}


def test_error_returns_dedicated_connection_to_pool(runtime: Runtime) -> None:
    backend_pid(runtime)
    checkouts = count_checkouts(runtime)

    with pytest.raises(ZeroDivisionError), single_statements(runtime):
        1 / 0
    backend_pid(runtime)
    after_error = checkouts[0]
    backend_pid(runtime)

    assert after_error == 1
    assert checkouts[0] == 1


def test_dispose_closes_dedicated_connection(postgres_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=postgres_url))
    runtime.ensure_schema()
    pid = backend_pid(runtime)

    runtime.dispose()

    with psycopg.connect(admin_url(postgres_url), autocommit=True) as admin:
        open_backends = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    assert open_backends == (0,)


def test_forked_child_opens_its_own_connection(runtime: Runtime) -> None:
    parent_pid = backend_pid(runtime)
    reader, writer = os.pipe()

    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        code = 0
        try:
            os.write(writer, str(backend_pid(runtime)).encode())
        except BaseException:  # noqa: BLE001 - any failure is reported by the exit code
            code = 1
        os._exit(code)

    os.close(writer)
    with os.fdopen(reader) as pipe:
        child_backend = pipe.read()
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert int(child_backend) != parent_pid
    assert backend_pid(runtime) == parent_pid
