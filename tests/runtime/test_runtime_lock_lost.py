"""Writes made under a lock that was lost before the commit do not commit."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime
from runtime_fixture_ops import items


class StealInput(BaseModel):
    account_id: int


class StealOutput(BaseModel):
    done: bool


def steal_handle(runtime: Runtime) -> OperationHandle[StealInput, StealOutput]:
    """An operation whose lock row is deleted by someone else while it runs."""
    declaration = OperationDeclaration(
        "accounts.steal", 1, "", StealInput, StealOutput, transaction=TransactionDeclaration(),
        locks=(LockDeclaration("account:{account_id}", timeout=1, lease=0.6),),
    )
    lock_file = runtime.get_lock_backend().path  # type: ignore[attr-defined]

    class Steal(Operation[StealInput, StealOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> StealOutput:
            ctx.session.execute(items.insert().values(name="under lock"))
            with sqlite3.connect(lock_file) as other:
                other.execute("DELETE FROM opsgen_locks WHERE key = ?", (f"account:{inputs['account_id']}",))
            time.sleep(1.0)  # longer than the heartbeat interval, so renewal finds the lock gone
            return StealOutput(done=True)

    Steal.declaration = declaration
    return OperationHandle(declaration, Steal).bind(runtime)


def test_lost_lock_fails_and_rolls_back(sqlite_url: str) -> None:
    from runtime_fixture_ops import make_runtime

    runtime = make_runtime(sqlite_url)
    try:
        result = steal_handle(runtime)(Context(), account_id=3)

        assert isinstance(result, Failure)
        assert result.code == "lock_lost"
        assert result.details["keys"] == ["account:3"]
        with runtime.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(items)).scalar_one() == 0
    finally:
        runtime.dispose()
