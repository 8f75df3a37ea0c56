"""Locks and singletons through the pipeline, with operations in separate OS processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import delete, insert, select

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks.abandoned import sweep_abandoned
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions

sys.path.insert(0, str(Path(__file__).resolve().parent))

from operation_worker import app_metadata, balances  # noqa: E402

WORKER = str(Path(__file__).with_name("operation_worker.py"))
PROCESSES = 4
INCREMENTS = 20
STARTS = 20


@pytest.fixture(params=["sqlite", "postgresql", "postgresql+redis"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[Runtime, str, str]]:
    """A runtime with the balance table, its database URL and its lock URL (or ``default``)."""
    if request.param == "sqlite":
        database_url, lock_url = str(request.getfixturevalue("sqlite_url")), "default"
    else:
        database_url = str(request.getfixturevalue("postgres_url"))
        lock_url = "default"
        if request.param.endswith("redis"):
            lock_url = f"{request.getfixturevalue('redis_url')}?prefix=opsgen-test-{uuid.uuid4().hex[:12]}:"

    settings = Settings(root=Path.cwd(), database_url=database_url, lock_url=None if lock_url == "default" else lock_url)
    runtime = Runtime(settings)
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    yield runtime, database_url, lock_url
    runtime.dispose()


def new_account(runtime: Runtime) -> int:
    account_id = uuid.uuid4().int % 2_000_000_000
    with runtime.engine.begin() as connection:
        connection.execute(delete(balances).where(balances.c.account_id == account_id))
        connection.execute(insert(balances).values(account_id=account_id, amount=0))
    return account_id


def balance_of(runtime: Runtime, account_id: int) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(balances.c.amount).where(balances.c.account_id == account_id)).scalar_one())


def executions_of(runtime: Runtime, operation: str, since: float) -> list[dict[str, Any]]:
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(executions).where(executions.c.operation == operation)).all()
    return [dict(row._mapping) for row in rows if row.created_at.timestamp() >= since - 5]


def run_incrementers(database_url: str, lock_url: str, account_id: int, locked: bool, go_file: Path) -> list[str]:
    workers = [
        subprocess.Popen(
            [sys.executable, WORKER, "increment", database_url, lock_url, str(account_id), str(INCREMENTS),
             "1" if locked else "0", str(go_file)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    time.sleep(1.0)
    go_file.touch()
    errors = []
    for worker in workers:
        _, stderr = worker.communicate(timeout=180)
        assert worker.returncode == 0, stderr
        errors.append(stderr)
    return errors


@pytest.mark.slow
def test_locked_operation_loses_nothing(setup: tuple[Runtime, str, str], tmp_path: Path) -> None:
    runtime, database_url, lock_url = setup
    account_id = new_account(runtime)

    errors = run_incrementers(database_url, lock_url, account_id, True, tmp_path / "go")

    assert "".join(errors) == ""
    assert balance_of(runtime, account_id) == PROCESSES * INCREMENTS


@pytest.mark.slow
def test_unlocked_operation_loses_updates(postgres_url: str, tmp_path: Path) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=postgres_url))
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    account_id = new_account(runtime)

    run_incrementers(postgres_url, "default", account_id, False, tmp_path / "go")

    assert balance_of(runtime, account_id) < PROCESSES * INCREMENTS
    runtime.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("setup", ["sqlite"], indirect=True)
def test_concurrent_singleton_starts(setup: tuple[Runtime, str, str], tmp_path: Path) -> None:
    runtime, database_url, lock_url = setup
    key = f"nightly-{uuid.uuid4().hex[:8]}"
    policy = "skip" if database_url.startswith("postgresql") else "reject"
    go_file = tmp_path / "go"
    started = time.time()

    workers = [
        subprocess.Popen(
            [sys.executable, WORKER, "singleton", database_url, lock_url, key, policy, "2.0", str(go_file)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTS)
    ]
    deadline = time.monotonic() + 90
    while len(list(tmp_path.glob("go.ready.*"))) < STARTS:
        assert time.monotonic() < deadline, "the workers did not get ready within 90 s"
        assert all(worker.poll() is None for worker in workers), "a worker exited before the start"
        time.sleep(0.05)
    go_file.touch()
    for worker in workers:
        _, stderr = worker.communicate(timeout=90)
        assert worker.returncode == 0, stderr

    rows = [row for row in executions_of(runtime, "reports.nightly", started) if row["singleton_key"] == f"singleton:{key}"]
    assert len(rows) == STARTS
    winners = [row for row in rows if row["status"] == "succeeded"]
    assert len(winners) == 1
    losers = [row for row in rows if row["status"] != "succeeded"]
    expected_status = "skipped" if policy == "skip" else "rejected"
    assert {row["status"] for row in losers} == {expected_status}
    assert {row["error_code"] for row in losers} == {f"singleton_{expected_status}"}
    assert {row["error_details"]["holder"] for row in losers} == {winners[0]["id"]}


@pytest.mark.slow
def test_killed_holder_is_abandoned(setup: tuple[Runtime, str, str]) -> None:
    runtime, database_url, lock_url = setup
    account_id = new_account(runtime)
    lease = 2.0
    holder = subprocess.Popen(
        [sys.executable, WORKER, "hold", database_url, lock_url, str(account_id), "60", str(lease)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    line = holder.stdout.readline()
    assert line.startswith("holding"), holder.stderr.read() if holder.stderr else line
    execution_id = line.split()[1]

    killed_at = time.monotonic()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    backend = runtime.get_lock_backend()
    with backend.acquire_many([f"account:{account_id}"], timeout=lease + 3, lease=5, owner="next"):
        freed_after = time.monotonic() - killed_at

    assert freed_after < lease + 1.5, f"lock freed {freed_after:.2f} s after the kill"
    marked = sweep_abandoned(runtime.engine)
    record = runtime.store.find_execution(execution_id)
    assert record is not None
    assert execution_id in marked, f"marked {marked}; record {record}"
    assert record["status"] == "abandoned"


class TouchInput(BaseModel):
    account_id: int
    other_id: int


class TouchOutput(BaseModel):
    done: bool


def test_nested_lock_inside_written_transaction(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    outer_account, inner_account = new_account(runtime), new_account(runtime)

    inner_declaration = OperationDeclaration(
        "accounts.inner", 1, "", TouchInput, TouchOutput, transaction=TransactionDeclaration(),
        locks=(LockDeclaration("account:{account_id}", timeout=2, lease=5),),
    )
    outer_declaration = OperationDeclaration(
        "accounts.outer", 1, "", TouchInput, TouchOutput, transaction=TransactionDeclaration(),
        locks=(LockDeclaration("account:{account_id}", timeout=2, lease=5),),
    )

    class Inner(Operation[TouchInput, TouchOutput]):
        declaration = inner_declaration

        def run(self, ctx: ExecutionContext, **inputs: Any) -> TouchOutput:  # type: ignore[override]
            return TouchOutput(done=True)

    inner = OperationHandle(inner_declaration, Inner, runtime)

    class Outer(Operation[TouchInput, TouchOutput]):
        declaration = outer_declaration

        def run(self, ctx: ExecutionContext, **inputs: Any) -> TouchOutput:  # type: ignore[override]
            ctx.session.execute(balances.update().where(balances.c.account_id == inputs["account_id"]).values(amount=1))
            inner(ctx, account_id=inputs["other_id"], other_id=0).unwrap()
            return TouchOutput(done=True)

    outer = OperationHandle(outer_declaration, Outer, runtime)
    result = outer(Context(), account_id=outer_account, other_id=inner_account)

    assert result.ok, result
    assert balance_of(runtime, outer_account) == 1
    runtime.dispose()
