from uuid import UUID

from app.generated.billing.change_plan import ChangePlanBase, ChangePlanOutput
from app.generated.billing.credit_account import CreditAccountOutput
from app.generated.shared_types import PlanCode
from opsgen.runtime.execution import ExecutionContext


class ChangePlan(ChangePlanBase):
    def run(self, ctx: ExecutionContext, *, account_id: UUID, plan: PlanCode, prorate: bool) -> ChangePlanOutput:
        output = CreditAccountOutput.model_validate({})
        return output  # E: return-value
