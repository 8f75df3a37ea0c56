"""A nested call's locks stay held until the transaction it ran in has ended.

The nested call's writes become visible at the outermost commit. Were its locks released
when it returned, another process could take them and read those rows as they were
before: two buyers would both see the last seat free.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks.base import LockBackend
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed
from opsgen.runtime.runtime import Runtime


class EventInput(BaseModel):
    event: str


class Done(BaseModel):
    ok: bool


class Outcome(BaseModel):
    holders_inside: list[str | None]


@pytest.fixture(params=["sqlite", "postgresql", "postgresql+redis"])
def runtimes(request: pytest.FixtureRequest) -> Iterator[tuple[Runtime, LockBackend]]:
    """The runtime under test, and a second runtime's lock backend that looks from outside."""
    if request.param == "sqlite":
        database_url, lock_url = str(request.getfixturevalue("sqlite_url")), None
    else:
        database_url, lock_url = str(request.getfixturevalue("postgres_url")), None
        if request.param.endswith("redis"):
            lock_url = f"{request.getfixturevalue('redis_url')}?prefix=opsgen-test-{uuid.uuid4().hex[:12]}:"
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url, lock_url=lock_url))
    runtime.ensure_schema()
    observer = Runtime(Settings(root=Path.cwd(), database_url=database_url, lock_url=lock_url), migrate=False)
    yield runtime, observer.get_lock_backend()
    observer.dispose()
    runtime.dispose()


def build(runtime: Runtime, observer: LockBackend, *, nested: str, calls: int, fail_outer: bool = False) -> Any:
    reserve_declaration = OperationDeclaration(
        "shop.reserve_seat", 1, "", EventInput, Done,
        transaction=TransactionDeclaration(nested=nested),
        locks=(LockDeclaration("event:{event}", timeout=2, lease=30),),
    )
    order_declaration = OperationDeclaration(
        "shop.create_order", 1, "", EventInput, Outcome, transaction=TransactionDeclaration(),
    )

    class ReserveSeat(Operation[EventInput, Done]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> Done:
            return Done(ok=True)

    ReserveSeat.declaration = reserve_declaration
    reserve = OperationHandle(reserve_declaration, ReserveSeat, runtime)

    class CreateOrder(Operation[EventInput, Outcome]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> Outcome:
            holders = []
            for _ in range(calls):
                reserve(ctx, event=inputs["event"]).unwrap()
                # The nested call has returned; its writes are not committed yet.
                holders.append(observer.holder(f"event:{inputs['event']}"))
            if fail_outer:
                raise OperationFailed("payment_declined", "the card was declined")
            return Outcome(holders_inside=holders)

    CreateOrder.declaration = order_declaration
    return OperationHandle(order_declaration, CreateOrder, runtime)


@pytest.mark.parametrize("nested", ["join", "savepoint"])
def test_nested_lock_held_until_outer_commit(runtimes: tuple[Runtime, LockBackend], nested: str) -> None:
    runtime, observer = runtimes
    event = uuid.uuid4().hex
    create_order = build(runtime, observer, nested=nested, calls=1)

    result = create_order(Context(actor="buyer"), event=event)

    assert result.ok, result
    (holder,) = result.value.holders_inside
    assert holder is not None, "the nested call's lock was released before the outer transaction committed"
    assert observer.holder(f"event:{event}") is None


def test_nested_lock_released_when_outer_rolls_back(runtimes: tuple[Runtime, LockBackend]) -> None:
    runtime, observer = runtimes
    event = uuid.uuid4().hex
    create_order = build(runtime, observer, nested="savepoint", calls=1, fail_outer=True)

    result = create_order(Context(actor="buyer"), event=event)

    assert not result.ok
    assert result.code == "payment_declined"
    assert observer.holder(f"event:{event}") is None


def test_second_nested_call_reuses_the_kept_lock(runtimes: tuple[Runtime, LockBackend]) -> None:
    runtime, observer = runtimes
    event = uuid.uuid4().hex
    create_order = build(runtime, observer, nested="savepoint", calls=3)

    result = create_order(Context(actor="buyer"), event=event)

    # A later call in the same transaction must not wait for the lock an earlier one keeps.
    assert result.ok, result
    assert len(result.value.holders_inside) == 3
    assert None not in result.value.holders_inside
    assert observer.holder(f"event:{event}") is None
