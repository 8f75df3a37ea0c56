"""ChangePlan: the implementation of billing.change_plan.

opsgen created this file once and never overwrites it. When the spec's input or output
changes, `opsgen generate` updates the signature of ``run`` and keeps its body.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast
from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from examples.billing.generated.billing.change_plan import (
    ChangePlanBase,
    ChangePlanOutput,
)
from examples.billing.generated.registry import ops
from examples.billing.generated.shared_types import Currency, PlanCode
from examples.billing.models import PLAN_PRICES, Account, BillingPlan


class ChangePlan(ChangePlanBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        account_id: UUID,
        plan: PlanCode,
        prorate: bool,
    ) -> ChangePlanOutput:
        current = ctx.session.get(BillingPlan, account_id)
        if current is None:
            current = BillingPlan(account_id=account_id, plan="free", monthly_price=Decimal("0.00"))
            ctx.session.add(current)
        previous = cast(PlanCode, current.plan)
        if previous == plan:
            raise self.errors.same_plan()

        refund = current.monthly_price - PLAN_PRICES[plan]
        current.plan = plan
        current.monthly_price = PLAN_PRICES[plan]
        ctx.session.flush()

        # A downgrade credits half of the price difference: a nested operation that joins
        # this transaction, so the plan change and the credit commit or roll back together.
        if prorate and refund > 0:
            account = ctx.session.get(Account, account_id)
            assert account is not None
            ops.billing.credit_account(
                ctx,
                account_id=account_id,
                amount=(refund / 2).quantize(Decimal("0.01")),
                currency=cast(Currency, account.currency),
                reference=f"prorated {previous} -> {plan}",
            ).unwrap()
        return ChangePlanOutput(previous_plan=previous, plan=plan)
