"""Attributes set in ``__init__`` to an injected dependency or a default instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

REPOSITORIES = """\
from billing.models import Invoice, LedgerEntry


class InvoiceRepository:
    def mark_paid(self, invoice):
        invoice.paid = True
        invoice.save(update_fields=["paid"])


class LedgerRepository:
    def book(self, invoice):
        LedgerEntry.objects.create(invoice=invoice, amount=invoice.total)
"""

SERVICE = """\
from billing.repositories import InvoiceRepository, LedgerRepository


class Settlement:
    def __init__(self, invoices=None, ledger=None):
        self.invoices = {invoices}
        self.ledger = {ledger}

    def settle(self, invoice):
        self.invoices.mark_paid(invoice)
        self.ledger.book(invoice)
"""

DEFAULTS = {
    "or-default": ("invoices or InvoiceRepository()", "ledger or LedgerRepository()"),
    "conditional-default": (
        "invoices if invoices is not None else InvoiceRepository()",
        "LedgerRepository() if ledger is None else ledger",
    ),
}


@pytest.mark.parametrize(("invoices", "ledger"), list(DEFAULTS.values()), ids=list(DEFAULTS))
def test_default_instance_writes_counted(tmp_path: Path, invoices: str, ledger: str) -> None:
    files = {
        "billing/__init__.py": "",
        "billing/repositories.py": REPOSITORIES,
        "billing/services.py": SERVICE.format(invoices=invoices, ledger=ledger),
    }
    root = write_project(tmp_path / "project", files)

    findings = [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS102"]

    assert [(Path(f.path).name, f.line) for f in findings] == [("services.py", 10)]
    assert "self.ledger.book()" in findings[0].message
