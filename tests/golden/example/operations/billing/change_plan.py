"""ChangePlan: the implementation of billing.change_plan.

opsgen created this file once and never overwrites it. When the spec's input or
output changes, `opsgen generate` updates the signature of ``run`` and keeps
its body.
"""

from __future__ import annotations

from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from app.generated.billing.change_plan import ChangePlanBase, ChangePlanOutput
from app.generated.shared_types import PlanCode


class ChangePlan(ChangePlanBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        account_id: UUID,
        plan: PlanCode,
        prorate: bool,
    ) -> ChangePlanOutput:
        raise NotImplementedError(
            "implement ChangePlan.run in "
            "app/operations/billing/change_plan.py (spec "
            "specs/billing/change_plan.yaml)"
        )
