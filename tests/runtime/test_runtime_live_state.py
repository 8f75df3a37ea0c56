"""Live state on SQLite: singleton conflicts answered at once, progress seen before the commit.

One process on one SQLite file is the case here, so threads stand in for concurrent
callers; the readers that must see the state run as separate processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, SingletonDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.live import LiveStore, live_path_for
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure, Result
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions
from opsgen.runtime.store import ExecutionRecord, utcnow
from runtime_fixture_ops import make_runtime
from runtime_fixture_ops import items

READER = """
import json, sys
from opsgen.runtime.database import create_runtime_engine
from opsgen.runtime.store import ExecutionStore
from sqlalchemy import text
engine = create_runtime_engine(sys.argv[1])
row = ExecutionStore(engine).find_execution(sys.argv[2])
with engine.connect() as connection:
    items = connection.execute(text("SELECT count(*) FROM items")).scalar_one()
print(json.dumps({"status": row and row["status"], "done": row and row["progress_done"],
                  "total": row and row["progress_total"], "items": items}))
"""


class HoldInput(BaseModel):
    label: str = "x"
    steps: int = 0


class HoldOutput(BaseModel):
    label: str


def holding_handle(runtime: Runtime, entered: threading.Event, release: threading.Event, **declared: Any
                   ) -> OperationHandle[HoldInput, HoldOutput]:
    """A transactional operation that writes a row, reports progress, then waits for ``release``."""
    declaration = OperationDeclaration(
        "live.hold", 1, "", HoldInput, HoldOutput, transaction=TransactionDeclaration(), **declared
    )

    class Hold(Operation[HoldInput, HoldOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> HoldOutput:
            ctx.session.execute(items.insert().values(name=inputs["label"], level=0))
            ctx.session.flush()
            if inputs["steps"]:
                ctx.progress.set_total(inputs["steps"])
                ctx.progress.advance(inputs["steps"] // 2, message="half")
                ctx.progress.flush()
            entered.set()
            release.wait(20)
            return HoldOutput(label=inputs["label"])

    Hold.declaration = declaration
    return OperationHandle(declaration, Hold, runtime)


def read_from_other_process(url: str, execution_id: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", READER, url, execution_id], capture_output=True, text=True, timeout=60, check=True
    )
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


def test_concurrent_singleton_start_skipped_at_once(sqlite_url: str) -> None:
    runtime = make_runtime(sqlite_url)
    entered, release = threading.Event(), threading.Event()
    handle = holding_handle(runtime, entered, release, singleton=SingletonDeclaration("live.hold", on_conflict="skip"))
    results: list[Result[HoldOutput]] = []
    holder = threading.Thread(target=lambda: results.append(handle(Context(), label="first")))
    holder.start()
    try:
        assert entered.wait(20)
        started = time.monotonic()
        second = handle(Context(), label="second")
        waited = time.monotonic() - started

        assert isinstance(second, Failure)
        assert second.code == "singleton_skipped"
        assert waited < 2.0
        seen = runtime.store.find_execution(str(second.execution_id))
        assert seen is not None
        assert seen["status"] == "skipped"
    finally:
        release.set()
        holder.join(20)

    first = results[0]
    assert first.ok
    assert second.details["holder"] == first.execution_id
    runtime.dispose()

    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == second.execution_id)).one()
    assert row.status == "skipped"
    assert row.error_code == "singleton_skipped"
    assert row.error_details["holder"] == first.execution_id
    assert first.execution_id in row.error_message


def test_progress_seen_before_commit(sqlite_url: str) -> None:
    runtime = make_runtime(sqlite_url)
    entered, release = threading.Event(), threading.Event()
    handle = holding_handle(runtime, entered, release)
    results: list[Result[HoldOutput]] = []
    worker = threading.Thread(target=lambda: results.append(handle(Context(), label="p", steps=40)))
    worker.start()
    try:
        assert entered.wait(20)
        running = runtime.store.list_executions(status=["running"])
        assert [row["operation"] for row in running] == ["live.hold"]
        execution_id = running[0]["id"]

        seen = read_from_other_process(sqlite_url, execution_id)
    finally:
        release.set()
        worker.join(20)

    assert seen["status"] == "running"
    assert seen["total"] == 40
    assert seen["done"] == 20
    assert seen["items"] == 0  # the operation's own write was not committed yet
    assert results[0].ok
    after = read_from_other_process(sqlite_url, execution_id)
    assert after["status"] == "succeeded"
    assert after["done"] == 20
    assert after["items"] == 1
    assert runtime.store.list_executions(status=["running"]) == []
    runtime.dispose()


def test_late_marker_keeps_staged_status(tmp_path: Path) -> None:
    from opsgen.runtime.database import create_runtime_engine
    from opsgen.runtime.store import utcnow

    engine = create_runtime_engine(f"sqlite:///{tmp_path / 'app.db'}")
    path = live_path_for(engine)
    assert path == tmp_path / "app.live.db"
    live = LiveStore(path, engine)
    base = {"id": "e-1", "operation": "op", "operation_version": 1, "root_id": "e-1",
            "created_at": utcnow(), "pid": 0, "host": "h"}

    live.stage({**base, "status": "skipped"})
    live.mark_running({**base, "status": "running"})
    assert live.flush()
    live.forget("e-1")
    assert live.flush()

    assert [(row["id"], row["status"]) for row in live.rows()] == [("e-1", "skipped")]
    live.close(timeout=0.1)
    engine.dispose()


def test_reader_waits_for_the_live_table(tmp_path: Path, monkeypatch: Any) -> None:
    # While one thread creates the live file's table, another thread's read must not
    # query the new file before the table exists ("no such table: opsgen_live").
    from opsgen.runtime import live as live_module
    from opsgen.runtime.database import create_runtime_engine

    creating = threading.Event()
    create_all = live_module._live_metadata.create_all

    def slow_create_all(engine: Any) -> None:
        with engine.connect():
            pass  # the file exists from here on, without the table
        creating.set()
        time.sleep(0.3)
        create_all(engine)

    monkeypatch.setattr(live_module._live_metadata, "create_all", slow_create_all)
    log_engine = create_runtime_engine(f"sqlite:///{tmp_path / 'app.db'}")
    store = LiveStore(tmp_path / "app.live.db", log_engine)
    record = ExecutionRecord(
        id="e-1", operation="demo.touch", operation_version=1, status="running", parent_id=None, root_id="e-1",
        actor=None, organization=None, request_id=None, correlation_id=None, context_extra=None, input=None,
        created_at=utcnow(),
    )
    writer = threading.Thread(target=store.mark_running, args=(record.values(),), kwargs={"delay": 0.0})
    writer.start()  # its first write creates the file and the table
    try:
        assert creating.wait(5)
        assert [row["id"] for row in store.rows()] in ([], ["e-1"])
    finally:
        writer.join(5)
        store.close()
        log_engine.dispose()
