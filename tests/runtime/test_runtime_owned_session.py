"""Operation code cannot end the transaction that the runtime opened for it."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import EffectDeclaration, OperationDeclaration, TransactionDeclaration
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.errors import TransactionOwnedError
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure, Success
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions
from opsgen.runtime.transaction import own_session


class NameInput(BaseModel):
    name: str


class Done(BaseModel):
    ok: bool = True


def handle_running(
    body: Callable[[ExecutionContext, str], None], name: str = "shop.owned", *, transaction: bool = True
) -> OperationHandle[Any, Any]:
    declaration = OperationDeclaration(
        name, 1, "", NameInput, Done,
        transaction=TransactionDeclaration() if transaction else None,
        effects=(EffectDeclaration("notify", "email"),),
    )

    class Body(Operation[NameInput, Done]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> Done:
            body(ctx, inputs["name"])
            return Done()

    Body.declaration = declaration
    return OperationHandle(declaration, Body)


def names(runtime: Runtime) -> list[str]:
    with runtime.engine.connect() as connection:
        return sorted(connection.execute(select(ops.items.c.name)).scalars())


def record(runtime: Runtime, execution_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        return dict(connection.execute(select(executions).where(executions.c.id == execution_id)).one()._mapping)


def test_operation_commit_rejected(runtime: Runtime) -> None:
    delivered: list[EffectCall] = []
    runtime.register_effect_handler("notify", delivered.append)

    def commit_then_fail(ctx: ExecutionContext, name: str) -> None:
        ctx.session.execute(insert(ops.items).values(name=name, level=0))
        ctx.effect("notify", {"to": "ledger"})
        ctx.session.commit()
        raise RuntimeError("the payment provider is down")

    result = handle_running(commit_then_fail)(Context(actor="amy"), name="committed early")

    assert isinstance(result, Failure)
    assert result.code == "unhandled_exception"
    assert "TransactionOwnedError" in result.message
    assert "Return instead" in result.message
    assert names(runtime) == []
    assert delivered == []
    assert record(runtime, str(result.execution_id))["status"] == "failed"


def test_operation_rollback_fails_call(runtime: Runtime) -> None:
    delivered: list[EffectCall] = []
    runtime.register_effect_handler("notify", delivered.append)

    def swallow_with_rollback(ctx: ExecutionContext, name: str) -> None:
        ctx.effect("notify", {"to": "ledger"})
        ctx.session.execute(insert(ops.items).values(name=name, level=0))
        ctx.session.rollback()
        ctx.session.execute(insert(ops.items).values(name=f"{name} again", level=0))

    result = handle_running(swallow_with_rollback)(Context(actor="amy"), name="rolled back")

    assert isinstance(result, Failure)
    assert result.code == "transaction_rolled_back"
    assert "ctx.session.rollback()" in result.message
    assert "begin_nested" in result.message
    assert names(runtime) == []
    assert delivered == []


def test_own_savepoints_end_freely(runtime: Runtime) -> None:
    def savepoints(ctx: ExecutionContext, name: str) -> None:
        ctx.session.execute(insert(ops.items).values(name=name, level=0))
        with ctx.session.begin_nested():
            ctx.session.execute(insert(ops.items).values(name=f"{name} kept", level=0))
        savepoint = ctx.session.begin_nested()
        ctx.session.execute(insert(ops.items).values(name=f"{name} undone", level=0))
        savepoint.rollback()

    result = handle_running(savepoints)(Context(actor="amy"), name="outer")

    assert isinstance(result, Success), result
    assert names(runtime) == ["outer", "outer kept"]


def test_nested_operation_commit_rejected(runtime: Runtime) -> None:
    inner = handle_running(lambda ctx, name: ctx.session.commit(), name="shop.inner")

    def outer_body(ctx: ExecutionContext, name: str) -> None:
        ctx.session.execute(insert(ops.items).values(name=name, level=0))
        inner(ctx, name="inner").unwrap()

    result = handle_running(outer_body, name="shop.outer")(Context(actor="amy"), name="outer row")

    assert isinstance(result, Failure)
    assert "TransactionOwnedError" in result.message
    assert names(runtime) == []


def test_untransacted_operation_sessions_commit(runtime: Runtime) -> None:
    def side_session(ctx: ExecutionContext, name: str) -> None:
        with ctx.runtime.session_factory() as session:
            session.execute(insert(ops.items).values(name=f"{name} on its own", level=0))
            session.commit()
        raise RuntimeError("fails after its own session committed")

    result = handle_running(side_session, transaction=False)(Context(actor="amy"), name="side")

    assert isinstance(result, Failure)
    assert names(runtime) == ["side on its own"]


def test_savepoint_integrity_error_recovers(runtime: Runtime) -> None:
    with Session(runtime.engine) as session, session.begin():
        session.execute(insert(ops.items).values(id=7, name="taken", level=0))

    def insert_or_skip(ctx: ExecutionContext, name: str) -> None:
        try:
            with ctx.session.begin_nested():
                ctx.session.execute(insert(ops.items).values(id=7, name=name, level=0))
        except IntegrityError:
            ctx.session.execute(insert(ops.items).values(name=f"{name} instead", level=0))

    result = handle_running(insert_or_skip)(Context(actor="amy"), name="dup")

    assert isinstance(result, Success), result
    assert names(runtime) == ["dup instead", "taken"]


def test_every_new_runtime_guards_its_sessions(runtime: Runtime) -> None:
    # A collected runtime's session class leaves its address to a new one; the guard
    # must not take the new class for the old, already guarded one.
    for _ in range(30):
        factory = Runtime(engine=runtime.engine, migrate=False).session_factory
        session = factory()
        own_session(session)
        try:
            with pytest.raises(TransactionOwnedError):
                session.commit()
        finally:
            session.close()
        del factory, session
        gc.collect()
