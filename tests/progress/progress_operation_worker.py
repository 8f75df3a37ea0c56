"""Run ``reports.rebuild``, an operation that reports progress, in a worker process.

Usage: ``python progress_operation_worker.py DATABASE_URL STEPS PAUSE [TRANSACTION]``.
The operation prints its execution id, then advances ``STEPS`` times, sleeping ``PAUSE``
seconds before each step. With ``TRANSACTION`` set to ``1`` it runs in a transaction.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime


class RebuildInput(BaseModel):
    steps: int
    pause: float


class RebuildOutput(BaseModel):
    steps: int


class Rebuild(Operation[RebuildInput, RebuildOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> RebuildOutput:  # type: ignore[override]
        print(ctx.execution_id, flush=True)
        ctx.progress.set_total(inputs["steps"])
        for step in range(inputs["steps"]):
            time.sleep(inputs["pause"])
            ctx.progress.advance(1, message=f"report {step + 1}")
        return RebuildOutput(steps=inputs["steps"])


def main(database_url: str, steps: int, pause: float, transaction: bool) -> None:
    declaration = OperationDeclaration(
        "reports.rebuild", 1, "", RebuildInput, RebuildOutput, progress=True,
        transaction=TransactionDeclaration() if transaction else None,
    )
    Rebuild.declaration = declaration
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url), migrate=False)
    result = OperationHandle(declaration, Rebuild, runtime)(Context(actor="worker"), steps=steps, pause=pause)
    runtime.dispose()
    if not result.ok:
        raise SystemExit(f"reports.rebuild failed: {result}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "1")
