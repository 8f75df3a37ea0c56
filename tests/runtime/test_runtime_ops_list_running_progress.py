"""``opsgen ops list --running`` shows a running call's progress counts with its message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


class ImportInput(BaseModel):
    total: int
    done: int


class ImportOutput(BaseModel):
    done: int


#: Set by the test once it has read the listing; the operation waits for it.
release = threading.Event()


class ImportOrders(Operation[ImportInput, ImportOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> ImportOutput:  # type: ignore[override]
        ctx.progress.set_total(inputs["total"])
        ctx.progress.advance(inputs["done"], message="order e5913a")
        # An advance within the write interval of set_total waits for the next one otherwise.
        ctx.progress.flush()
        release.wait(timeout=60)
        return ImportOutput(done=inputs["done"])


IMPORT_ORDERS = OperationDeclaration(
    "orders.import_orders", 1, "Import orders.", ImportInput, ImportOutput, progress=True
)
ImportOrders.declaration = IMPORT_ORDERS


def list_running(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    environment["OPSGEN_DATABASE_URL"] = runtime.engine.url.render_as_string(hide_password=False)
    environment["COLUMNS"] = "200"
    return subprocess.run(
        [OPSGEN, "ops", "list", "--running", *args], env=environment, capture_output=True, text=True, timeout=60
    )


def test_running_row_shows_done_and_total(runtime: Runtime) -> None:
    handle = OperationHandle(IMPORT_ORDERS, ImportOrders, runtime)
    release.clear()
    call = threading.Thread(target=lambda: handle(Context(actor="importer"), total=85, done=70))
    call.start()
    try:
        deadline = time.monotonic() + 30
        rows = runtime.store.list_executions(status=["running"])
        while not (rows and rows[0]["progress_done"] == 70) and time.monotonic() < deadline:
            time.sleep(0.1)
            rows = runtime.store.list_executions(status=["running"])
        assert rows and rows[0]["progress_done"] == 70, rows

        table = list_running(runtime)
        document = json.loads(list_running(runtime, "--format", "json").stdout)
    finally:
        release.set()
        call.join(timeout=60)

    assert table.returncode == 0, table.stderr
    (line,) = [line for line in table.stdout.splitlines() if "orders.import_orders" in line]
    assert line.rstrip(" │").endswith("70/85 order e5913a")
    assert [(row["progress_done"], row["progress_total"]) for row in document] == [(70, 85)]
