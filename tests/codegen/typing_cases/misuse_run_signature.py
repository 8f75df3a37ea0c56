from app.generated.billing.change_plan import ChangePlanBase, ChangePlanOutput
from opsgen.runtime.execution import ExecutionContext


class ChangePlan(ChangePlanBase):
    def run(self, ctx: ExecutionContext, *, account_id: int) -> ChangePlanOutput:  # E: override
        raise NotImplementedError
