"""The in-flight journal and the delayed running markers it makes safe."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.journal import _CAPACITY, HOST, SLOT_COUNT, InflightJournal, _records, collect_dead
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions
from opsgen.runtime.store import ExecutionStore

SLEEPER = str(Path(__file__).with_name("runtime_journal_sleeper.py"))


def marker(execution_id: str, **extra: Any) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {"id": execution_id, "operation": "journal.test", "status": "running", "pid": os.getpid(),
            "created_at": now, "started_at": now, "input": {"note": "x"}, **extra}


def dead(_pid: int) -> bool:
    return False


def dead_copy(journal: InflightJournal, folder: Path) -> Path:
    """Copy this process's journal file as the file of a process 1 that has ended."""
    assert journal.path is not None
    folder.mkdir(exist_ok=True)
    copy = folder / f"{HOST}-1-0000.inflight"
    copy.write_bytes(journal.path.read_bytes())
    return copy


def test_journal_returns_used_slots(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    first = journal.enter(marker("one"))
    second = journal.enter(marker("two"))
    assert first is not None
    assert second is not None
    journal.leave(first)
    copy = dead_copy(journal, tmp_path / "dead")

    collected = collect_dead(tmp_path / "dead", alive=dead)

    assert len(collected) == 1
    path, rows = collected[0]
    assert path == copy
    assert [row["id"] for row in rows] == ["two"]
    assert rows[0]["input"] == {"note": "x"}
    assert isinstance(rows[0]["created_at"], datetime)
    assert rows[0]["created_at"].tzinfo is not None


def test_journal_skips_files_of_live_processes(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    assert journal.enter(marker("mine")) is not None

    assert collect_dead(tmp_path, alive=dead) == []  # this process's own file is never collected
    other = tmp_path / f"{HOST}-1-abcd.inflight"
    assert journal.path is not None
    other.write_bytes(journal.path.read_bytes())
    assert collect_dead(tmp_path, alive=lambda pid: True) == []
    assert [path for path, _ in collect_dead(tmp_path, alive=dead)] == [other]


def test_journal_refuses_oversized_record(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)

    assert journal.enter(marker("big", input={"blob": "x" * _CAPACITY})) is None


def test_journal_refuses_value_json_cannot_hold(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)

    assert journal.enter(marker("odd", input={"tags": {"a", "b"}})) is None


def test_journal_refuses_when_full(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    slots = [journal.enter(marker(str(index))) for index in range(SLOT_COUNT)]
    assert None not in slots

    assert journal.enter(marker("one too many")) is None
    journal.leave(slots[0] or 0)
    assert journal.enter(marker("fits again")) is not None


def test_journal_ignores_half_written_slot(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    slot = journal.enter(marker("torn"))
    assert slot is not None
    assert journal.path is not None
    copy = dead_copy(journal, tmp_path / "dead")
    data = bytearray(copy.read_bytes())
    data[5:15] = b"\xff" * 10  # a process killed while it copied the record
    copy.write_bytes(bytes(data))

    assert [rows for _, rows in collect_dead(tmp_path / "dead", alive=dead)] == [[]]


def test_journal_close_deletes_unused_file(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    slot = journal.enter(marker("done"))
    assert slot is not None
    assert journal.path is not None
    path = journal.path
    journal.leave(slot)

    journal.close()

    assert not path.exists()


def test_journal_close_keeps_file_with_used_slot(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    assert journal.enter(marker("unfinished")) is not None
    path = journal.path
    assert path is not None

    journal.close()

    assert path.exists()


def test_journal_unwritable_folder_falls_back(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")

    assert InflightJournal(blocker / "journal").enter(marker("x")) is None


def test_forked_child_gets_own_file(tmp_path: Path) -> None:
    journal = InflightJournal(tmp_path)
    assert journal.enter(marker("parent")) is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        slot = journal.enter(marker("child"))
        os.write(write, f"{slot} {journal.path}".encode())
        os._exit(0)
    os.close(write)
    reply = os.read(read, 4096).decode()
    os.waitpid(pid, 0)

    slot, child_path = reply.split(" ", 1)
    assert slot != "None"
    assert child_path != str(journal.path)
    collected = {path.name: [row["id"] for row in rows] for path, rows in collect_dead(tmp_path)}
    assert collected == {Path(child_path).name: ["child"]}


class NoteInput(BaseModel):
    note: str


class NoteOutput(BaseModel):
    note: str


def slow_handle(
    runtime: Runtime, started: threading.Event, release: threading.Event, *, transactional: bool = True
) -> OperationHandle[Any, Any]:
    declaration = OperationDeclaration(
        "journal.slow", 1, "", NoteInput, NoteOutput,
        transaction=TransactionDeclaration() if transactional else None,
    )

    class Slow(Operation[NoteInput, NoteOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> NoteOutput:
            started.set()
            release.wait(10)
            return NoteOutput(note=inputs["note"])

    Slow.declaration = declaration
    return OperationHandle(declaration, Slow, runtime)


def test_marker_written_after_delay(runtime: Runtime, database_url: str) -> None:
    runtime.store.marker_delay = 0.2
    other = ExecutionStore(runtime.engine)  # reads as another process would: no queued markers of its own
    started, release = threading.Event(), threading.Event()
    worker = threading.Thread(target=slow_handle(runtime, started, release), args=(Context(),), kwargs={"note": "n"})
    worker.start()
    try:
        assert started.wait(10)
        deadline = time.monotonic() + 5
        while not running_ids(other):
            assert time.monotonic() < deadline, "the running marker was not written within 5 s"
            time.sleep(0.02)
    finally:
        release.set()
        worker.join(10)
    rows = runtime.store.list_executions(operation="journal.slow")
    assert [row["status"] for row in rows] == ["succeeded"]


def test_call_without_transaction_marks_before_run(runtime: Runtime) -> None:
    runtime.store.marker_delay = 5.0
    other = ExecutionStore(runtime.engine)
    started, release = threading.Event(), threading.Event()
    handle = slow_handle(runtime, started, release, transactional=False)
    worker = threading.Thread(target=handle, args=(Context(),), kwargs={"note": "n"})
    worker.start()
    try:
        assert started.wait(10)
        assert len(running_ids(other)) == 1, "the marker of a call without a transaction must precede its code"
    finally:
        release.set()
        worker.join(10)


def running_ids(store: ExecutionStore) -> list[str]:
    if store.live is not None:
        return [row["id"] for row in store.live.rows() if row["status"] == "running"]
    with store.engine.connect() as connection:
        query = select(executions.c.id).where(executions.c.status == "running")
        return [row.id for row in connection.execute(query)]


def test_short_call_writes_no_marker(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime.store.marker_delay = 5.0
    written: list[Any] = []
    if runtime.store.live is not None:
        monkeypatch.setattr(runtime.store.live, "_write_file", lambda markers, removals: written.extend(markers))
    else:
        assert runtime.store.markers is not None
        monkeypatch.setattr(runtime.store.markers, "_insert", written.extend)
    started, release = threading.Event(), threading.Event()
    release.set()

    result = slow_handle(runtime, started, release)(Context(), note="quick")
    runtime.store.list_executions()  # a read writes the queued markers of this process

    assert result.ok
    assert written == []
    journal = runtime.store.journal
    assert journal is not None
    assert journal.path is not None
    assert _records(journal.path.read_bytes()) == [], "the finished call still holds its journal slot"


@pytest.mark.slow
def test_call_killed_before_marker_is_abandoned(runtime: Runtime, database_url: str, tmp_path: Path) -> None:
    started_file = tmp_path / "started"
    sleeper = subprocess.Popen(
        [sys.executable, SLEEPER, database_url, str(started_file), "600"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not started_file.exists() or not started_file.read_text():
        assert sleeper.poll() is None, sleeper.stderr.read() if sleeper.stderr else "the sleeper exited"
        assert time.monotonic() < deadline, "the operation did not start within 60 s"
        time.sleep(0.01)
    execution_id = started_file.read_text()
    os.kill(sleeper.pid, signal.SIGKILL)
    sleeper.wait(10)

    assert running_ids(ExecutionStore(runtime.engine)) == [], "a marker was written despite the 600 s delay"
    record = runtime.store.find_execution(execution_id)

    assert record is not None, "the killed call left no trace"
    assert record["status"] == "abandoned"
    assert record["operation"] == "journal.sleep"
    assert record["actor"] == "sleeper"
    assert record["input"] == {"note": "killed before its marker"}
    assert record["pid"] == sleeper.pid


@pytest.mark.slow
def test_call_killed_waiting_for_lock_is_abandoned(runtime: Runtime, database_url: str, tmp_path: Path) -> None:
    key = f"journal:{uuid.uuid4().hex}"
    backend = runtime.get_lock_backend()
    with backend.acquire_many([key], timeout=5, lease=60, owner="test-holder"):
        sleeper = subprocess.Popen(
            [sys.executable, SLEEPER, database_url, str(tmp_path / "started"), "600", key],
            stderr=subprocess.PIPE, text=True,
        )
        # Wait until the call has its journal slot, which it takes before it queues
        # behind the lock; a loaded machine can take seconds to start the process.
        journal = runtime.store.journal
        assert journal is not None
        deadline = time.monotonic() + 60
        while not any(
            _records(path.read_bytes()) for path in journal.directory.glob(f"{HOST}-{sleeper.pid}-*.inflight")
        ):
            assert sleeper.poll() is None, sleeper.stderr.read() if sleeper.stderr else "the sleeper exited"
            assert time.monotonic() < deadline, "the call took no journal slot within 60 s"
            time.sleep(0.05)
        time.sleep(0.5)  # let it reach the lock's wait
        os.kill(sleeper.pid, signal.SIGKILL)
        sleeper.wait(10)

    rows = runtime.store.list_executions(operation="journal.sleep")

    assert [row["status"] for row in rows] == ["abandoned"]
    assert rows[0]["pid"] == sleeper.pid
    assert rows[0]["input"] == {"note": "killed before its marker"}


def test_list_includes_running_call(runtime: Runtime) -> None:
    runtime.store.marker_delay = 0.0
    started, release = threading.Event(), threading.Event()
    release.set()
    assert slow_handle(runtime, started, release)(Context(), note="finished").ok
    release.clear()
    started.clear()
    worker = threading.Thread(target=slow_handle(runtime, started, release), args=(Context(),), kwargs={"note": "n"})
    worker.start()
    try:
        assert started.wait(10)
        time.sleep(0.05)
        statuses = [row["status"] for row in ExecutionStore(runtime.engine).list_executions()]
    finally:
        release.set()
        worker.join(10)

    assert sorted(statuses) == ["running", "succeeded"]


def test_concurrent_collectors_store_one_record(runtime: Runtime, tmp_path: Path) -> None:
    journal = runtime.store.journal
    assert journal is not None
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(ended.stdout)
    values = marker(str(uuid.uuid4()), operation_version=1, host=HOST, pid=pid)
    values["root_id"] = values["id"]
    own = InflightJournal(tmp_path)
    assert own.enter(values) is not None
    assert own.path is not None
    journal.directory.mkdir(parents=True, exist_ok=True)
    for copy in range(4):  # four readers each find a copy of the same dead file
        (journal.directory / f"{HOST}-{pid}-{copy:04d}.inflight").write_bytes(own.path.read_bytes())
    stores = [ExecutionStore(runtime.engine, journal.directory) for _ in range(4)]
    errors: list[BaseException] = []

    def collect(store: ExecutionStore) -> None:
        try:
            store.collect_abandoned()
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=collect, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    rows = [row for row in runtime.store.list_executions() if row["id"] == values["id"]]
    assert [row["status"] for row in rows] == ["abandoned"]


def test_journal_close_removes_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = InflightJournal(folder)
    slot = journal.enter(marker("done"))
    assert slot is not None
    journal.leave(slot)

    journal.close()

    assert not folder.exists()
    assert journal.enter(marker("again")) is not None, "a later call creates the folder again"


def test_busy_sqlite_log_stages_abandoned(sqlite_url: str, tmp_path: Path) -> None:
    from opsgen.runtime.locks.abandoned import sweep_abandoned
    from runtime_fixture_ops import make_runtime

    runtime = make_runtime(sqlite_url)
    journal = runtime.store.journal
    assert journal is not None
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    values = marker(str(uuid.uuid4()), operation_version=1, host=HOST, pid=int(ended.stdout))
    values["root_id"] = values["id"]
    own = InflightJournal(tmp_path)
    assert own.enter(values) is not None
    assert own.path is not None
    journal.directory.mkdir(parents=True, exist_ok=True)
    (journal.directory / f"{HOST}-{values['pid']}-0000.inflight").write_bytes(own.path.read_bytes())
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a running operation holds the log's writer
    try:
        started = time.monotonic()
        sweep_abandoned(runtime.engine)
        rows = ExecutionStore(runtime.engine).list_executions()
        took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert took < 3, f"the read waited {took:.1f} s for the busy log"
    assert [row["status"] for row in rows if row["id"] == values["id"]] == ["abandoned"]
    logged = ExecutionStore(runtime.engine).find_execution(values["id"])
    assert logged is not None
    assert logged["status"] == "abandoned"
    runtime.dispose()
