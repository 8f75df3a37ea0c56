"""``opsgen ops show`` lists the values of the rows an execution inserted or deleted, as history does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from audit_support import AuditDatabase, plans
from opsgen.audit import install
from opsgen.cli.main import main
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Success
from opsgen.runtime.runtime import Runtime


class ReplaceInput(BaseModel):
    old_id: int
    new_id: int
    name: str


class ReplaceOutput(BaseModel):
    new_id: int


def plan_declaration(name: str, description: str) -> OperationDeclaration:
    return OperationDeclaration(
        name=name,
        version=1,
        description=description,
        input_model=ReplaceInput,
        output_model=ReplaceOutput,
        transaction=TransactionDeclaration(),
        audit_changes=("billing_plan",),
    )


class ReplacePlan(Operation[ReplaceInput, ReplaceOutput]):
    declaration = plan_declaration("billing.replace_plan", "Replace a plan by a new one.")

    def run(self, ctx: ExecutionContext, **inputs: Any) -> ReplaceOutput:  # type: ignore[override]
        ctx.session.execute(plans.delete().where(plans.c.id == inputs["old_id"]))
        ctx.session.execute(plans.insert().values(id=inputs["new_id"], name=inputs["name"], amount=Decimal("25.00")))
        return ReplaceOutput(new_id=inputs["new_id"])


replace_plan = OperationHandle(ReplacePlan.declaration, ReplacePlan)


def replace_and_show(audit_db: AuditDatabase, name: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=audit_db.url), engine=audit_db.engine)
    runtime.ensure_schema()
    install(runtime, audit_db.config)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    result = replace_plan.bind(runtime)(Context(actor="alice"), old_id=1, new_id=2, name=name)
    assert isinstance(result, Success), result
    capsys.readouterr()

    assert main(["ops", "show", str(result.execution_id), "--database-url", audit_db.url]) == 0

    return capsys.readouterr().out.split("audit changes, in commit order:\n")[1].splitlines()


def test_ops_show_lists_inserted_and_deleted_values(
    audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = replace_and_show(audit_db, "premium", capsys)

    deleted = lines.index("  billing_plan 1 v2 delete")
    inserted = lines.index("  billing_plan 2 v1 insert")
    assert '      name: "basic" -> null' in lines[deleted + 1 : inserted]
    assert '      name: null -> "premium"' in lines[inserted + 1 :]
    assert any(line.startswith("      amount: null -> ") and "25" in line for line in lines[inserted + 1 :])
    # Columns that are null in both rows print nothing, as in history.
    assert not any("card_token" in line or "updated_at" in line for line in lines)


def test_ops_show_cuts_long_values_to_width(
    audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")

    lines = replace_and_show(audit_db, "x" * 90, capsys)

    [name_line] = [line for line in lines if line.startswith("      name: null -> ")]
    assert len(name_line) == 60
    assert name_line.endswith("…")


def test_ops_show_writes_numbers_with_their_column_scale(
    audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Run from the project, whose settings name the entity's table, as history reads them.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.opsgen.audit.entities.billing_plan]\ntable = "billing_plans"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)

    lines = replace_and_show(audit_db, "premium", capsys)

    assert "      amount: null -> 25.00" in lines
    assert "      amount: 10.00 -> null" in lines


class RepricePlan(Operation[ReplaceInput, ReplaceOutput]):
    declaration = plan_declaration("billing.reprice_plan", "Change every recorded column of a plan.")

    def run(self, ctx: ExecutionContext, **inputs: Any) -> ReplaceOutput:  # type: ignore[override]
        ctx.session.execute(
            plans.update()
            .where(plans.c.id == inputs["old_id"])
            .values(name=inputs["name"], amount=Decimal("30.00"), interval_days=365, card_token="tok")
        )
        return ReplaceOutput(new_id=inputs["old_id"])


reprice_plan = OperationHandle(RepricePlan.declaration, RepricePlan)


def test_ops_show_lists_columns_in_table_order(
    audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.opsgen.audit.entities.billing_plan]\ntable = "billing_plans"\nexclude = ["updated_at"]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    runtime = Runtime(Settings(root=tmp_path, database_url=audit_db.url), engine=audit_db.engine)
    runtime.ensure_schema()
    install(runtime, audit_db.config)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    result = reprice_plan.bind(runtime)(Context(actor="alice"), old_id=1, new_id=1, name="pro")
    assert isinstance(result, Success), result
    capsys.readouterr()

    assert main(["ops", "show", str(result.execution_id), "--database-url", audit_db.url]) == 0

    lines = capsys.readouterr().out.split("audit changes, in commit order:\n")[1].splitlines()
    columns = [line.strip().split(":")[0] for line in lines if line.startswith("      ")]
    assert columns == ["name", "amount", "interval_days", "card_token"]
