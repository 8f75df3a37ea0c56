"""Transactions, nesting policies and after-commit effects on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import Connection, select, text

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.execution import ExecutionContext, ExecutionInfo
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects, executions


def item_levels(runtime: Runtime) -> list[int]:
    with runtime.engine.connect() as connection:
        return sorted(connection.execute(select(ops.items.c.level)).scalars())


def effect_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(effects).order_by(effects.c.created_at, effects.c.sequence))
        return [dict(row._mapping) for row in rows]


def statuses_by_operation(runtime: Runtime) -> dict[str, str]:
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(executions.c.operation, executions.c.status)).all()
    return {operation: status for operation, status in rows}


def expected_outcome(policy2: str, policy3: str, fail_at: int, carry_on: bool) -> tuple[list[int], dict[int, bool]]:
    """Model of the nesting rules: which level rows survive and which levels succeed."""
    policies = {1: "savepoint", 2: policy2, 3: policy3}
    committed: list[int] = []
    succeeded: dict[int, bool] = {}

    def run(level: int, scope: dict[str, Any] | None) -> bool:
        owner = scope is None or policies[level] == "savepoint"
        mine = {"rows": [], "doomed": False} if owner else scope
        assert mine is not None
        mine["rows"].append(level)
        ok = True
        if level < 3 and not run(level + 1, mine) and not carry_on:
            ok = False
        if fail_at == level:
            ok = False
        if not owner:
            mine["doomed"] = mine["doomed"] or not ok
        else:
            ok = ok and not mine["doomed"]
            if ok:
                (committed if scope is None else scope["rows"]).extend(mine["rows"])
        succeeded[level] = ok
        return ok

    run(1, None)
    return sorted(committed), succeeded


CASES = list(itertools.product(["join", "savepoint"], ["join", "savepoint"], [0, 1, 2, 3], [False, True]))


@pytest.mark.parametrize(("policy2", "policy3", "fail_at", "carry_on"), CASES)
def test_nested_failure_leaves_right_rows(
    runtime: Runtime, policy2: str, policy3: str, fail_at: int, carry_on: bool
) -> None:
    delivered: list[EffectCall] = []
    runtime.register_effect_handler("note", delivered.append)
    level1, _, _ = ops.nested_handles(policy2, policy3)

    result = level1(Context(actor="t"), level=1, fail_at=fail_at, carry_on=carry_on, notify=True)

    rows, succeeded = expected_outcome(policy2, policy3, fail_at, carry_on)
    assert item_levels(runtime) == rows
    assert result.ok is succeeded[1]
    statuses = statuses_by_operation(runtime)
    for level, ok in succeeded.items():
        assert statuses[f"nest.level{level}"] == ("succeeded" if ok else "failed"), level
    assert sorted(call.payload["level"] for call in delivered) == rows
    recorded = {row["payload_redacted"]["level"]: row["status"] for row in effect_rows(runtime)}
    assert recorded == {level: "delivered" if level in rows else "dropped" for level in (1, 2, 3)}


def test_rollback_keeps_failed_record(runtime: Runtime) -> None:
    sent: list[EffectCall] = []
    runtime.register_effect_handler("email", sent.append)
    runtime.register_effect_handler("publish", sent.append)

    result = ops.create_item(Context(actor="a"), name="gone", fail=True, email_to="x@example.com", durable_to="q")

    assert isinstance(result, Failure)
    assert item_levels(runtime) == []
    assert statuses_by_operation(runtime) == {"shop.create_item": "failed"}
    assert sent == []
    assert {row["status"] for row in effect_rows(runtime)} == {"dropped"}
    assert all("failed with forced" in row["last_error"] for row in effect_rows(runtime))


def test_effects_run_after_commit_in_order(runtime: Runtime) -> None:
    seen: list[tuple[str, int]] = []

    def handler(call: EffectCall) -> None:
        with runtime.engine.connect() as connection:
            count = connection.execute(select(ops.items.c.id)).all()
        seen.append((call.name, len(count)))

    runtime.register_effect_handler("email", handler)
    runtime.register_effect_handler("publish", handler)

    result = ops.create_item(Context(), name="one", email_to="x@example.com", durable_to="q")

    assert result.ok
    # Both handlers ran after the commit: they could read the committed row.
    assert seen == [("notify", 1), ("publish_item", 1)]
    assert [(row["name"], row["status"]) for row in effect_rows(runtime)] == [
        ("notify", "delivered"), ("publish_item", "delivered")
    ]


def test_failed_effect_keeps_commit(runtime: Runtime) -> None:
    attempts: list[int] = []

    def broken(call: EffectCall) -> None:
        attempts.append(call.attempt)
        raise ConnectionError("smtp down")

    runtime.register_effect_handler("email", broken)

    result = ops.create_item(Context(), name="kept", email_to="x@example.com")

    assert result.ok
    assert item_levels(runtime) == [0]
    assert attempts == [1, 2]
    (row,) = effect_rows(runtime)
    assert row["status"] == "failed"
    assert row["attempts"] == 2
    assert "smtp down" in row["last_error"]
    assert statuses_by_operation(runtime) == {"shop.create_item": "succeeded"}


def test_effect_without_handler_fails_at_call(runtime: Runtime) -> None:
    result = ops.create_item(Context(), name="x", email_to="x@example.com")

    assert isinstance(result, Failure)
    assert "EffectHandlerMissing" in result.message
    assert "register_effect_handler('notify', fn)" in result.message
    assert item_levels(runtime) == []


class HookInput(BaseModel):
    fail: bool = False


class HookOutput(BaseModel):
    value: str


def _after_commit_handle(calls: list[str]) -> OperationHandle[HookInput, HookOutput]:
    declaration = OperationDeclaration(
        "probe.after_commit", 1, "", HookInput, HookOutput, transaction=TransactionDeclaration()
    )

    class AfterCommit(Operation[HookInput, HookOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> HookOutput:
            ctx.session.execute(ops.items.insert().values(name="cb", level=0))
            ctx.after_commit(calls.append, "first")
            ctx.after_commit(calls.append, "second")
            if inputs["fail"]:
                raise ValueError("rolled back")
            return HookOutput(value="ok")

    AfterCommit.declaration = declaration
    return OperationHandle(declaration, AfterCommit)


def test_after_commit_runs_or_drops(runtime: Runtime) -> None:
    calls: list[str] = []
    handle = _after_commit_handle(calls)

    assert not handle(Context(), fail=True).ok
    assert calls == []
    assert handle(Context(), fail=False).ok
    assert calls == ["first", "second"]
    statuses = sorted(row["status"] for row in effect_rows(runtime))
    assert statuses == ["delivered", "delivered", "dropped", "dropped"]


def test_transaction_begin_hook_shares_connection(runtime: Runtime) -> None:
    seen: list[tuple[Connection, ExecutionInfo]] = []
    runtime.on_transaction_begin.append(lambda connection, info: seen.append((connection, info)))
    declaration = OperationDeclaration(
        "probe.hook", 1, "", HookInput, HookOutput, transaction=TransactionDeclaration()
    )
    inner_connections: list[Connection] = []

    class Hooked(Operation[HookInput, HookOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> HookOutput:
            inner_connections.append(ctx.session.connection())
            if not inputs["fail"]:
                handle(ctx, fail=True)
            return HookOutput(value="ok")

    Hooked.declaration = declaration
    handle = OperationHandle(declaration, Hooked)

    result = handle(Context(actor="hooked"), fail=False)

    assert result.ok
    assert len(seen) == 1, "the nested call joined, so only one transaction began"
    connection, info = seen[0]
    assert connection is inner_connections[0]
    assert info.execution_id == result.execution_id
    assert info.context.actor == "hooked"


def test_hook_sets_transaction_local_setting(postgres_url: str) -> None:
    from runtime_fixture_ops import make_runtime

    runtime = make_runtime(postgres_url)
    runtime.on_transaction_begin.append(
        lambda connection, info: connection.execute(
            text("SELECT set_config('opsgen.actor', :actor, true)"), {"actor": info.context.actor or ""}
        )
    )
    declaration = OperationDeclaration(
        "probe.setting", 1, "", HookInput, HookOutput,
        transaction=TransactionDeclaration(isolation="serializable"),
    )

    class ReadSetting(Operation[HookInput, HookOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> HookOutput:
            actor = ctx.session.execute(text("SELECT current_setting('opsgen.actor')")).scalar_one()
            level = ctx.session.execute(text("SHOW transaction_isolation")).scalar_one()
            return HookOutput(value=f"{actor}/{level}")

    ReadSetting.declaration = declaration
    result = OperationHandle(declaration, ReadSetting, runtime)(Context(actor="bob"), fail=False)

    assert result.unwrap() == HookOutput(value="bob/serializable")
    runtime.dispose()


def test_compact_records_still_log_everything(database_url: str) -> None:
    from runtime_fixture_ops import make_runtime

    runtime = make_runtime(database_url, record_running=False)
    create = ops.create_item.bind(runtime)

    kept = create(Context(), name="kept")
    lost = create(Context(), name="lost", fail=True)
    level1, _, _ = (handle.bind(runtime) for handle in ops.nested_handles("savepoint", "join"))
    nested = level1(Context(), level=1, fail_at=2, carry_on=True)

    assert kept.ok and nested.ok and not lost.ok
    assert sorted(row["status"] for row in runtime.store.list_executions(operation="shop.create_item")) == [
        "failed", "succeeded"
    ]
    # Level 3 succeeded on its own; its writes went with level 2's savepoint.
    assert [row["status"] for row in runtime.store.tree(nested.execution_id or "")] == [
        "succeeded", "failed", "succeeded"
    ]
    assert item_levels(runtime) == [0, 1]
    runtime.dispose()


def test_interrupt_rolls_back_and_propagates(runtime: Runtime) -> None:
    declaration = OperationDeclaration(
        "probe.interrupted", 1, "", HookInput, HookOutput, transaction=TransactionDeclaration()
    )

    class Interrupted(Operation[HookInput, HookOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> HookOutput:
            ctx.session.execute(ops.items.insert().values(name="half", level=0))
            raise KeyboardInterrupt

    Interrupted.declaration = declaration

    with pytest.raises(KeyboardInterrupt):
        OperationHandle(declaration, Interrupted)(Context(), fail=False)

    assert item_levels(runtime) == []
    assert runtime.engine.pool.checkedout() == 0
