"""`opsgen audit unexpected` fails a CI step when it finds a change no spec declares."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit_support import AuditDatabase, plans
from opsgen.audit import AuditContext, set_audit_context
from opsgen.cli.main import main


@pytest.mark.parametrize("audit_db", ["sqlite", "postgresql"], indirect=True)
def test_exit_status_follows_what_was_found(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="plan 1", amount=Decimal("10.00")))

    assert main(["audit", "unexpected", "--database-url", audit_db.url]) == 0
    assert "no unexpected changes" in capsys.readouterr().out

    with audit_db.engine.begin() as connection:
        # billing.send_invoice declares only invoices, and changes a plan.
        set_audit_context(
            connection,
            AuditContext(execution_id="exec-2", operation="billing.send_invoice", expected_entities=("invoice",)),
        )
        connection.execute(plans.update().values(amount=Decimal("99.00")))

    assert main(["audit", "unexpected", "--database-url", audit_db.url]) == 1
    assert "billing_plan 1" in capsys.readouterr().out
