"""Start an operation that never ends, for the in-flight journal tests.

Usage: runtime_journal_sleeper.py DATABASE_URL STARTED_FILE MARKER_DELAY [LOCK_KEY]

The operation writes its execution id to STARTED_FILE, then sleeps until the test
kills the process. MARKER_DELAY replaces the running marker's delay, so a test can
kill the process before any marker reaches the database. With LOCK_KEY the operation
declares that lock, so a test holding it can kill the call while it waits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime


class SleepInput(BaseModel):
    note: str


class SleepOutput(BaseModel):
    note: str


def main(database_url: str, started_file: str, marker_delay: float, lock_key: str | None) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    runtime.store.marker_delay = marker_delay
    declaration = OperationDeclaration(
        "journal.sleep", 1, "", SleepInput, SleepOutput, transaction=TransactionDeclaration(),
        locks=(LockDeclaration(lock_key, timeout=60, lease=30),) if lock_key else (),
    )

    class Sleep(Operation[SleepInput, SleepOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> SleepOutput:
            Path(started_file).write_text(ctx.execution_id)
            time.sleep(600)
            return SleepOutput(note=inputs["note"])

    Sleep.declaration = declaration
    OperationHandle(declaration, Sleep, runtime)(Context(actor="sleeper"), note="killed before its marker")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
