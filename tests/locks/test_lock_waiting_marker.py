"""A call that waits for its lock or singleton is listed as running, with a note."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from opsgen.cli.main import main as opsgen_main
from opsgen.integrations.background import QueuedCall, WorkerOutcome, enqueue, run_queued
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import (
    LockDeclaration,
    OperationDeclaration,
    SingletonDeclaration,
    TransactionDeclaration,
)
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.journal import SLOT_SIZE
from opsgen.runtime.locks import LockTimeout, open_lock_backend
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Result
from opsgen.runtime.runtime import Runtime


#: A unique operation name per runtime, so that rows of other tests on the shared
#: PostgreSQL database never show up here.
NAMES: dict[Runtime, str] = {}


class AccountInput(BaseModel):
    account: int
    #: Text that makes a record too large for a journal slot, when long.
    memo: str = ""


class AccountOutput(BaseModel):
    account: int


def account_handle(
    runtime: Runtime, *, transactional: bool, singleton: bool = False, run_for: float = 0.0
) -> OperationHandle[Any, Any]:
    declaration = OperationDeclaration(
        NAMES[runtime], 1, "", AccountInput, AccountOutput,
        transaction=TransactionDeclaration() if transactional else None,
        locks=() if singleton else (LockDeclaration("account:{account}", timeout=1.5, lease=30),),
        singleton=SingletonDeclaration("touch:{account}", on_conflict="wait", timeout=1.5) if singleton else None,
    )

    class Touch(Operation[AccountInput, AccountOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> AccountOutput:
            time.sleep(run_for)
            return AccountOutput(account=inputs["account"])

    Touch.declaration = declaration
    return OperationHandle(declaration, Touch, runtime)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Runtime]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    built = Runtime(Settings(root=Path.cwd(), database_url=url))
    built.ensure_schema()
    built.store.marker_delay = 0.05
    NAMES[built] = f"waiting.touch_{uuid.uuid4().hex[:8]}"
    yield built
    del NAMES[built]
    built.dispose()


def running_rows(runtime: Runtime) -> list[dict[str, Any]]:
    return [row for row in runtime.store.list_executions(limit=50, status=["running"])
            if row["operation"] == NAMES[runtime]]


def wait_until(check: Callable[[], Any], awaited: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {awaited}")


def show(runtime: Runtime, execution_id: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Return what ``opsgen ops show`` prints for ``execution_id``."""
    capsys.readouterr()
    assert opsgen_main(["ops", "show", execution_id, "--database-url", str(runtime.engine.url)]) == 0
    return capsys.readouterr().out


def call_in_thread(
    handle: OperationHandle[Any, Any], memo: str = ""
) -> tuple[threading.Thread, list[Result[Any]]]:
    results: list[Result[Any]] = []
    caller = threading.Thread(target=lambda: results.append(handle(Context(actor="waiter"), account=7, memo=memo)))
    caller.start()
    return caller, results


@pytest.mark.parametrize("transactional", [True, False])
def test_lock_waiter_listed_then_runs(
    runtime: Runtime, transactional: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = runtime.get_lock_backend()
    handle = account_handle(runtime, transactional=transactional, run_for=0.6)
    other_lock = backend.acquire_many(["account:7"], timeout=1, lease=30, owner="someone-else")
    caller, results = call_in_thread(handle)
    try:
        rows = wait_until(lambda: running_rows(runtime), "the waiting call's marker")
        assert rows[0]["progress_message"] == "waiting for lock account:7"
        assert rows[0]["actor"] == "waiter"
        assert "waiting for lock account:7" in show(runtime, rows[0]["id"], capsys)
    finally:
        other_lock.release()
    # Once it holds the lock, the same call is listed as running without the note.
    wait_until(lambda: [row for row in running_rows(runtime) if not row["progress_message"]],
               "the marker of the running call")
    caller.join(10)
    assert results and results[0].ok, results
    final = runtime.store.find_execution(results[0].execution_id)
    assert final is not None
    assert final["status"] == "succeeded"
    assert final["progress_message"] is None
    assert running_rows(runtime) == []


def test_unjournaled_waiter_listed(runtime: Runtime) -> None:
    # A record larger than a journal slot gets its marker, with the note, at once.
    backend = runtime.get_lock_backend()
    handle = account_handle(runtime, transactional=True, run_for=0.4)
    memo = "m" * SLOT_SIZE
    with backend.acquire_many(["account:7"], timeout=1, lease=30, owner="someone-else"):
        caller, results = call_in_thread(handle, memo)
        rows = wait_until(lambda: running_rows(runtime), "the waiting call's marker")
        assert rows[0]["progress_message"] == "waiting for lock account:7"
        assert rows[0]["input"]["memo"] == memo
    wait_until(lambda: [row for row in running_rows(runtime) if not row["progress_message"]],
               "the marker of the running call")
    caller.join(10)
    assert results and results[0].ok, results
    final = runtime.store.find_execution(results[0].execution_id)
    assert final is not None
    assert (final["status"], final["progress_message"]) == ("succeeded", None)


def run_worker(handle: OperationHandle[Any, Any], call: QueuedCall) -> tuple[threading.Thread, list[WorkerOutcome]]:
    outcomes: list[WorkerOutcome] = []
    runtime = handle.runtime
    assert runtime is not None
    worker = threading.Thread(target=lambda: outcomes.append(run_queued({handle.name: handle}, runtime, call)))
    worker.start()
    return worker, outcomes


def test_claimed_call_waiter_listed(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    # A claimed call is already running in the log, so the note goes on its row while it waits.
    handle = account_handle(runtime, transactional=True, run_for=0.6)
    sent: list[QueuedCall] = []
    execution_id = enqueue(handle, Context(actor="queuer"), {"account": 7}, sent.append)
    backend = runtime.get_lock_backend()
    other_lock = backend.acquire_many(["account:7"], timeout=1, lease=30, owner="someone-else")
    worker, outcomes = run_worker(handle, sent[0])
    try:
        rows = wait_until(lambda: [row for row in running_rows(runtime) if row["progress_message"]],
                          "the claimed call's note")
        assert [(row["id"], row["progress_message"]) for row in rows] == [
            (execution_id, "waiting for lock account:7")
        ]
        assert "waiting for lock account:7" in show(runtime, execution_id, capsys)
    finally:
        other_lock.release()
    wait_until(lambda: [row for row in running_rows(runtime) if not row["progress_message"]],
               "the claimed call running without its note")
    worker.join(10)
    assert outcomes, "the worker returned no outcome"
    result = outcomes[0].result
    assert result is not None, outcomes
    assert result.ok, outcomes
    final = runtime.store.find_execution(execution_id)
    assert final is not None
    assert (final["status"], final["actor"], final["progress_message"]) == ("succeeded", "queuer", None)


def test_claimed_call_timeout_clears_note(runtime: Runtime) -> None:
    handle = account_handle(runtime, transactional=False)
    sent: list[QueuedCall] = []
    execution_id = enqueue(handle, Context(actor="queuer"), {"account": 7}, sent.append)
    backend = runtime.get_lock_backend()
    with backend.acquire_many(["account:7"], timeout=1, lease=30, owner="someone-else"):
        worker, outcomes = run_worker(handle, sent[0])
        wait_until(lambda: [row for row in running_rows(runtime) if row["progress_message"]],
                   "the claimed call's note")
        worker.join(10)
    assert outcomes, "the worker returned no outcome"
    result = outcomes[0].result
    assert result is not None, outcomes
    assert not result.ok, outcomes
    final = runtime.store.find_execution(execution_id)
    assert final is not None
    assert (final["status"], final["error_code"], final["progress_message"]) == ("failed", "lock_timeout", None)


def test_lock_timeout_clears_note(runtime: Runtime) -> None:
    backend = runtime.get_lock_backend()
    handle = account_handle(runtime, transactional=True)
    with backend.acquire_many(["account:7"], timeout=1, lease=30, owner="someone-else"):
        caller, results = call_in_thread(handle)
        wait_until(lambda: running_rows(runtime), "the waiting call's marker")
        caller.join(10)
    assert results and not results[0].ok
    final = runtime.store.find_execution(results[0].execution_id)
    assert final is not None
    assert (final["status"], final["error_code"]) == ("failed", "lock_timeout")
    assert final["progress_message"] is None
    assert running_rows(runtime) == []


def test_singleton_waiter_listed(runtime: Runtime) -> None:
    first = account_handle(runtime, transactional=True, singleton=True, run_for=0.8)
    second = account_handle(runtime, transactional=True, singleton=True)
    holder, held_results = call_in_thread(first)
    wait_until(lambda: running_rows(runtime), "the singleton holder's marker")
    waiter, results = call_in_thread(second)
    notes = wait_until(
        lambda: [row["progress_message"] for row in running_rows(runtime) if row["progress_message"]],
        "the singleton waiter's marker",
    )
    assert notes == ["waiting for singleton:touch:7"]
    holder.join(10)
    waiter.join(10)
    assert held_results[0].ok and results[0].ok


def test_free_lock_writes_no_note(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    notes: list[str | None] = []
    mark_running = runtime.store.mark_running

    def recording(record: Any, *, delayed: bool = True, note: str | None = None) -> None:
        notes.append(note)
        mark_running(record, delayed=delayed, note=note)

    monkeypatch.setattr(runtime.store, "mark_running", recording)
    handle = account_handle(runtime, transactional=True)
    for _ in range(5):
        assert handle(Context(), account=7).ok
    assert notes == [None] * 5, "a free lock must not schedule a waiting marker"


def test_on_wait_only_for_held_key(lock_url: str, unique_key: str) -> None:
    backend = open_lock_backend(lock_url)
    calls: list[str] = []
    try:
        with backend.acquire_many([unique_key], timeout=1, lease=30, owner="first", on_wait=calls.append):
            assert calls == [], "a free key must not count as a wait"
            with pytest.raises(LockTimeout):
                backend.acquire_many([unique_key], timeout=0, lease=30, owner="second", on_wait=calls.append)
            assert calls == [], "a single attempt (timeout 0) never waits"
            with pytest.raises(LockTimeout):
                backend.acquire_many(
                    [f"{unique_key}:a", unique_key], timeout=0.3, lease=30, owner="second", on_wait=calls.append
                )
        assert calls == [unique_key], "called once, with the key that was held"
    finally:
        backend.close()


def test_failing_hook_releases_keys(lock_url: str, unique_key: str) -> None:
    backend = open_lock_backend(lock_url)
    other = open_lock_backend(lock_url)

    def broken_hook(key: str) -> None:
        raise RuntimeError("the marker could not be written")

    first, second = f"{unique_key}:a", f"{unique_key}:b"
    try:
        with other.acquire_many([second], timeout=1, lease=30, owner="blocker"):
            with pytest.raises(LockTimeout):
                backend.acquire_many([first, second], timeout=0.3, lease=30, owner="waiter", on_wait=broken_hook)
        # The key taken before the wait was released with the timeout.
        other.try_acquire([first], lease=5, owner="third").release()
    finally:
        backend.close()
        other.close()
