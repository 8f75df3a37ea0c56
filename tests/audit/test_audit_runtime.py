"""Audit through the runtime pipeline: attribution, nested savepoints and undeclared entities."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from audit_support import AuditDatabase, plans
from opsgen.audit import changes_for_execution, history, install, unexpected_changes
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed, Success
from opsgen.runtime.runtime import Runtime


class PlanInput(BaseModel):
    plan_id: int
    amount: Decimal = Decimal("0")
    name: str = ""


class PlanOutput(BaseModel):
    plan_id: int


def declaration(name: str, changes: tuple[str, ...], nested: str = "join") -> OperationDeclaration:
    return OperationDeclaration(
        name=name,
        version=1,
        description=name,
        input_model=PlanInput,
        output_model=PlanOutput,
        transaction=TransactionDeclaration(nested=nested),  # type: ignore[arg-type]
        audit_changes=changes,
    )


class Rename(Operation[PlanInput, PlanOutput]):
    declaration = declaration("billing.rename_plan", ("billing_plan",), nested="savepoint")

    def run(self, ctx: ExecutionContext, **inputs: Any) -> PlanOutput:  # type: ignore[override]
        ctx.session.execute(plans.update().where(plans.c.id == inputs["plan_id"]).values(name=inputs["name"]))
        raise OperationFailed("name_taken", "another plan has this name")


rename = OperationHandle(Rename.declaration, Rename)


class Reprice(Operation[PlanInput, PlanOutput]):
    declaration = declaration("billing.reprice_plan", ("billing_plan",))

    def run(self, ctx: ExecutionContext, **inputs: Any) -> PlanOutput:  # type: ignore[override]
        ctx.session.execute(plans.update().where(plans.c.id == inputs["plan_id"]).values(amount=inputs["amount"]))
        # The nested rename fails: its savepoint rolls back, this operation carries on.
        result = rename(ctx, plan_id=inputs["plan_id"], name="premium")
        assert not isinstance(result, Success)
        return PlanOutput(plan_id=inputs["plan_id"])


reprice = OperationHandle(Reprice.declaration, Reprice)


class SendInvoice(Operation[PlanInput, PlanOutput]):
    declaration = declaration("billing.send_invoice", ("invoice",))

    def run(self, ctx: ExecutionContext, **inputs: Any) -> PlanOutput:  # type: ignore[override]
        ctx.session.execute(plans.update().where(plans.c.id == inputs["plan_id"]).values(amount=inputs["amount"]))
        return PlanOutput(plan_id=inputs["plan_id"])


send_invoice = OperationHandle(SendInvoice.declaration, SendInvoice)


@pytest.fixture
def audited_runtime(audit_db: AuditDatabase) -> Runtime:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=audit_db.url), engine=audit_db.engine)
    runtime.ensure_schema()
    install(runtime, audit_db.config)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    return runtime


def call(runtime: Runtime, handle: OperationHandle[PlanInput, PlanOutput], **inputs: Any) -> Success[PlanOutput]:
    result = handle.bind(runtime)(Context(actor="alice", request_id="req-1"), **inputs)
    assert isinstance(result, Success), result
    return result


def test_operation_changes_attributed(audit_db: AuditDatabase, audited_runtime: Runtime) -> None:
    result = call(audited_runtime, send_invoice, plan_id=1, amount=Decimal("12.00"))
    with audit_db.engine.connect() as connection:
        changes = changes_for_execution(connection, str(result.execution_id))
    assert len(changes) == 1
    change = changes[0]
    assert change.changes == {"amount": [Decimal("10.00"), Decimal("12.00")]}
    assert change.operation == "billing.send_invoice"
    assert change.actor == "alice"
    assert change.trace_id == "req-1"
    assert change.origin == "runtime"


def test_nested_savepoint_rollback_leaves_outer_changes(audit_db: AuditDatabase, audited_runtime: Runtime) -> None:
    result = call(audited_runtime, reprice, plan_id=1, amount=Decimal("15.00"))
    with audit_db.engine.connect() as connection:
        changes = changes_for_execution(connection, str(result.execution_id))
        name = connection.execute(sa.select(plans.c.name)).scalar_one()
        versions = history(connection, "billing_plan", 1)
    assert name == "basic"
    assert [c.changes for c in changes] == [{"amount": [Decimal("10.00"), Decimal("15.00")]}]
    assert [v.version for v in versions] == [2, 1]
    assert changes[0].unexpected is False


def test_undeclared_entity_change_reported(audit_db: AuditDatabase, audited_runtime: Runtime) -> None:
    call(audited_runtime, reprice, plan_id=1, amount=Decimal("11.00"))
    invoice_run = call(audited_runtime, send_invoice, plan_id=1, amount=Decimal("99.00"))
    with audit_db.engine.connect() as connection:
        found = unexpected_changes(connection)
    assert [(v.execution_id, v.operation) for v in found] == [(invoice_run.execution_id, "billing.send_invoice")]


def test_ops_show_lists_audit_changes(
    audit_db: AuditDatabase, audited_runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    from opsgen.cli.main import main

    result = call(audited_runtime, reprice, plan_id=1, amount=Decimal("15.00"))
    capsys.readouterr()
    assert main(["ops", "show", str(result.execution_id), "--database-url", audit_db.url]) == 0
    output = capsys.readouterr().out
    assert "billing_plan 1 v2 update" in output
    assert "amount: " in output
    assert "name:" not in output.split("audit changes")[1]


def test_write_after_operation_is_raw(audit_db: AuditDatabase, audited_runtime: Runtime) -> None:
    call(audited_runtime, send_invoice, plan_id=1, amount=Decimal("12.00"))
    with audited_runtime.engine.begin() as connection:
        connection.execute(plans.update().values(name="edited by hand"))
    with audit_db.engine.connect() as connection:
        latest, previous = history(connection, "billing_plan", 1, limit=2)
    assert previous.operation == "billing.send_invoice"
    assert latest.origin == "raw"
    assert latest.execution_id is None
