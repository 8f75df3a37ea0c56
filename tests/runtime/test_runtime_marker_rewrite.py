"""A running marker that changes while it is being written ends up written in its newest form."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select

from opsgen.runtime.live import LiveStore, store_final_rows
from opsgen.runtime.markers import DelayedMarkers
from opsgen.runtime.migrate import upgrade
from opsgen.runtime.schema import executions


def marker(execution_id: str, note: str | None) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {
        "id": execution_id, "operation": "rewrite.op", "operation_version": 1, "status": "running",
        "root_id": execution_id, "created_at": now, "started_at": now, "host": "here", "pid": 1,
        "progress_message": note,
    }


def logged(engine: Any, execution_id: str) -> Mapping[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).first()
    return None if row is None else row._mapping


@pytest.fixture
def postgres_markers(postgres_url: str) -> Iterator[DelayedMarkers]:
    engine = create_engine(postgres_url)
    upgrade(engine)
    markers = DelayedMarkers(engine)
    yield markers
    markers.close()
    engine.dispose()


def test_postgres_changed_marker_rewritten(postgres_markers: DelayedMarkers) -> None:
    execution_id = str(uuid.uuid4())
    # Queued far ahead, so that only write_now below writes it, through the patched insert.
    postgres_markers.schedule(marker(execution_id, "waiting for lock k"), 60.0)
    write = postgres_markers._insert
    changed = threading.Event()

    def slow_insert(rows: list[dict[str, Any]]) -> None:
        if any(row["id"] == execution_id and row["progress_message"] for row in rows):
            # The call gets its lock while the waiting marker is on its way to the log.
            postgres_markers.schedule(marker(execution_id, None), 60.0)
            changed.set()
        write(rows)

    postgres_markers._insert = slow_insert  # type: ignore[method-assign]
    postgres_markers.write_now()
    assert changed.is_set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        row = logged(postgres_markers.engine, execution_id)
        if row is not None and row["progress_message"] is None:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the newest marker was not written at once: {logged(postgres_markers.engine, execution_id)}")
    postgres_markers.cancel(execution_id)


def test_postgres_marker_keeps_finished_row(postgres_markers: DelayedMarkers) -> None:
    execution_id = str(uuid.uuid4())
    with postgres_markers.engine.begin() as connection:
        connection.execute(insert(executions).values({**marker(execution_id, None), "status": "abandoned"}))
    postgres_markers.insert_now(marker(execution_id, None), replace=True)
    row = logged(postgres_markers.engine, execution_id)
    assert row is not None
    assert row["status"] == "abandoned"
    postgres_markers.cancel(execution_id)


def test_live_changed_marker_rewritten(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    upgrade(engine)
    live = LiveStore(tmp_path / "log.live.db", engine)
    execution_id = str(uuid.uuid4())
    write = live._write_file

    def changing_write(markers: Any, removals: list[str]) -> None:
        rows = list(markers)
        write(rows, removals)
        if any(row["id"] == execution_id and row["progress_message"] for row in rows):
            live.mark_running(marker(execution_id, None), delay=60.0)

    live._write_file = changing_write  # type: ignore[method-assign]
    live.mark_running(marker(execution_id, "waiting for lock k"), delay=0.01)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            rows = live.rows([execution_id])
            if rows and rows[0]["progress_message"] is None:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the newest marker was not written: {live.rows([execution_id])}")
    finally:
        live.forget(execution_id)
        live.close()
        engine.dispose()


def test_staged_pending_keeps_claim(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    upgrade(engine)
    execution_id = str(uuid.uuid4())
    claimed = {**marker(execution_id, None), "host": "worker-host"}
    with engine.begin() as connection:
        connection.execute(insert(executions).values(claimed))
        # The sender's copy of the queued call, staged while the log was busy, arrives late.
        assert store_final_rows(connection, [{**marker(execution_id, None), "status": "pending"}]) == []
        finished = {**claimed, "status": "succeeded"}
        assert store_final_rows(connection, [finished]) == [execution_id]
    row = logged(engine, execution_id)
    assert row is not None
    assert (row["status"], row["host"]) == ("succeeded", "worker-host")
    engine.dispose()
