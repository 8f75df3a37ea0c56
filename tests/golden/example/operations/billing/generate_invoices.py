"""GenerateInvoices: the implementation of billing.generate_invoices.

opsgen created this file once and never overwrites it. When the spec's input or
output changes, `opsgen generate` updates the signature of ``run`` and keeps
its body.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from app.generated.billing.generate_invoices import (
    GenerateInvoicesBase,
    GenerateInvoicesOutput,
)


class GenerateInvoices(GenerateInvoicesBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        period_start: date,
        period_end: date,
        account_ids: list[UUID],
    ) -> GenerateInvoicesOutput:
        raise NotImplementedError(
            "implement GenerateInvoices.run in "
            "app/operations/billing/generate_invoices.py (spec "
            "specs/billing/generate_invoices.yaml)"
        )
