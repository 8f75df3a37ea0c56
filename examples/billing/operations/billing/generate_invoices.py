"""GenerateInvoices: the implementation of billing.generate_invoices.

opsgen created this file once and never overwrites it. When the spec's input or output
changes, `opsgen generate` updates the signature of ``run`` and keeps its body.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import select

from opsgen.runtime.execution import ExecutionContext

from examples.billing.generated.billing.generate_invoices import (
    GenerateInvoicesBase,
    GenerateInvoicesOutput,
)
from examples.billing.generated.shared_types import InvoiceLine
from examples.billing.models import Account, BillingPlan, Invoice


class GenerateInvoices(GenerateInvoicesBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        period_start: date,
        period_end: date,
        account_ids: list[UUID],
    ) -> GenerateInvoicesOutput:
        query = select(Account.id, BillingPlan.plan, BillingPlan.monthly_price).join(
            BillingPlan, BillingPlan.account_id == Account.id
        ).where(Account.closed.is_(False))
        if account_ids:
            query = query.where(Account.id.in_(account_ids))
        rows = ctx.session.execute(query.order_by(Account.id)).all()

        ctx.progress.set_total(len(rows))
        lines: dict[str, list[InvoiceLine]] = {}
        for account_id, plan, price in rows:
            ctx.session.add(
                Invoice(account_id=account_id, period_start=period_start, period_end=period_end, total=price)
            )
            lines[str(account_id)] = [InvoiceLine(description=f"{plan} plan, {period_start:%B %Y}", amount=price)]
            ctx.progress.advance(1, message=f"invoiced {account_id}")
        return GenerateInvoicesOutput(invoices_created=len(rows), lines=lines)
