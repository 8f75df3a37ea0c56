"""Locks, singleton claims and progress as the pipeline uses them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import (
    LockDeclaration,
    OperationDeclaration,
    SingletonDeclaration,
    TransactionDeclaration,
)
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


class AccountInput(BaseModel):
    account_id: int
    nested: bool = False
    steps: int = 0


class AccountOutput(BaseModel):
    done: bool


def account_handle(**declared: Any) -> OperationHandle[AccountInput, AccountOutput]:
    declaration = OperationDeclaration(
        "accounts.touch", 1, "", AccountInput, AccountOutput, transaction=TransactionDeclaration(), **declared
    )

    class Touch(Operation[AccountInput, AccountOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> AccountOutput:
            if inputs["nested"]:
                handle(ctx, account_id=inputs["account_id"]).unwrap()
            if inputs["steps"]:
                ctx.progress.set_total(inputs["steps"])
                for step in range(inputs["steps"]):
                    ctx.progress.advance(1, message=f"step {step + 1}")
            return AccountOutput(done=True)

    Touch.declaration = declaration
    handle = OperationHandle(declaration, Touch)
    return handle


def row_of(runtime: Runtime, execution_id: str | None) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        return dict(connection.execute(select(executions).where(executions.c.id == execution_id)).one()._mapping)


def test_lock_timeout_names_holder(runtime: Runtime) -> None:
    handle = account_handle(locks=(LockDeclaration("account:{account_id}", timeout=0.2, lease=5),))
    backend = runtime.get_lock_backend()

    with backend.acquire_many(["account:7"], timeout=1, lease=5, owner="other-execution"):
        result = handle(Context(), account_id=7)

    assert isinstance(result, Failure)
    assert result.code == "lock_timeout"
    assert result.details["key"] == "account:7"
    assert result.details["holder"] == "other-execution"
    assert row_of(runtime, result.execution_id)["status"] == "failed"


def test_lock_is_recorded_and_released(runtime: Runtime) -> None:
    handle = account_handle(locks=(LockDeclaration("account:{account_id}", timeout=1, lease=5),))

    result = handle(Context(), account_id=8)

    assert result.ok
    assert row_of(runtime, result.execution_id)["lock_keys"] == ["account:8"]
    backend = runtime.get_lock_backend()
    with backend.acquire_many(["account:8"], timeout=1, lease=5, owner="next"):
        pass


def test_nested_call_reuses_held_lock(runtime: Runtime) -> None:
    handle = account_handle(locks=(LockDeclaration("account:{account_id}", timeout=0.5, lease=5),))

    result = handle(Context(), account_id=9, nested=True)

    assert result.ok, result


def test_singleton_rejects_second_claim(runtime: Runtime) -> None:
    handle = account_handle(singleton=SingletonDeclaration("touch:{account_id}", on_conflict="reject"))

    result = handle(Context(), account_id=5, nested=True)

    assert isinstance(result, Failure)
    child = runtime.store.tree(result.execution_id or "")[1]
    assert child["status"] == "rejected"
    assert child["error_code"] == "singleton_rejected"
    assert result.execution_id in (child["error_message"] or "")


def test_singleton_skip_records_skipped(runtime: Runtime) -> None:
    handle = account_handle(singleton=SingletonDeclaration("touch", on_conflict="skip"))
    backend = runtime.get_lock_backend()

    with backend.acquire_many(["singleton:touch"], timeout=1, lease=5, owner="running-one"):
        result = handle(Context(), account_id=1)

    assert isinstance(result, Failure)
    assert result.code == "singleton_skipped"
    assert row_of(runtime, result.execution_id)["status"] == "skipped"


def test_progress_is_stored(runtime: Runtime) -> None:
    handle = account_handle()

    result = handle(Context(), account_id=1, steps=25)

    row = row_of(runtime, result.execution_id)
    assert row["progress_total"] == 25
    assert row["progress_done"] == 25
    assert row["progress_message"] == "step 25"
