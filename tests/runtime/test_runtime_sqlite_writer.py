"""A transactional operation on SQLite that reads before it writes waits for a busy writer."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from runtime_fixture_ops import make_runtime


class CountInput(BaseModel):
    name: str


class CountOutput(BaseModel):
    before: int


def test_read_then_write_waits_for_writer(sqlite_url: str) -> None:
    runtime = make_runtime(sqlite_url)
    declaration = OperationDeclaration("items.count_then_add", 1, "", CountInput, CountOutput,
                                       transaction=TransactionDeclaration())

    class CountThenAdd(Operation[CountInput, CountOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> CountOutput:
            before = ctx.session.execute(text("SELECT count(*) FROM items")).scalar_one()
            ctx.session.execute(text("INSERT INTO items (name, level) VALUES (:name, 0)"), {"name": inputs["name"]})
            return CountOutput(before=before)

    CountThenAdd.declaration = declaration
    handle = OperationHandle(declaration, CountThenAdd, runtime)
    database = sqlite_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another connection holds the writer
    holder.execute("INSERT INTO items (name, level) VALUES ('held', 0)")
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        result = handle(Context(), name="after")
        waited = time.monotonic() - started
    finally:
        release.join()
        holder.close()
        runtime.dispose()

    assert result.ok, result
    assert result.unwrap().before == 1
    assert waited >= 0.8, f"the call returned after {waited:.2f} s, before the writer was free"

