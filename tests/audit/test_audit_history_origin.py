"""The writer that ``opsgen audit history`` prints for every mix of execution, operation, trace and actor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit_support import AuditDatabase, plans
from opsgen.audit import AuditContext, set_audit_context
from opsgen.cli.main import main

# (execution_id, operation, trace_id, actor) -> the writer as history prints it after the action.
CASES = [
    (("exec-1", "billing.reprice", "trace-1", "7"), "actor 7  billing.reprice execution exec-1"),
    (("exec-1", "billing.reprice", None, "7"), "actor 7  billing.reprice execution exec-1"),
    (("exec-1", None, "trace-1", "7"), "actor 7  execution exec-1"),
    (("exec-1", None, None, None), "actor -  execution exec-1"),
    ((None, "billing.reprice", "trace-1", "7"), "actor 7  billing.reprice request trace-1"),
    ((None, "billing.reprice", None, None), "actor -  billing.reprice no execution or request"),
    ((None, None, "req-direct-1", "1"), "actor 1  request req-direct-1"),
    ((None, None, "req-direct-1", None), "actor -  request req-direct-1"),
    ((None, None, None, "1"), "actor 1  no execution or request"),
]


@pytest.mark.parametrize(("context", "expected"), CASES)
def test_history_text_names_writer(
    audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str], context: tuple[str | None, ...], expected: str
) -> None:
    execution_id, operation, trace_id, actor = context
    with audit_db.engine.begin() as connection:
        set_audit_context(
            connection, AuditContext(execution_id=execution_id, actor=actor, operation=operation, trace_id=trace_id)
        )
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))

    assert main(["audit", "--database-url", audit_db.url, "history", "billing_plan", "1"]) == 0

    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line.endswith(f"  insert  {expected}")
    assert "?" not in first_line


def test_history_text_names_raw_writer(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))

    assert main(["audit", "--database-url", audit_db.url, "history", "billing_plan", "1"]) == 0

    first_line = capsys.readouterr().out.splitlines()[0]
    assert "actor -  raw write" in first_line
    assert "?" not in first_line
