from uuid import UUID, uuid4

from app.generated.billing.credit_account import CreditAccountBase, CreditAccountOutput
from app.generated.shared_types import Currency, Money
from opsgen.runtime.execution import ExecutionContext


class CreditAccount(CreditAccountBase):
    def run(
        self, ctx: ExecutionContext, *, account_id: UUID, amount: Money, currency: Currency, reference: str | None
    ) -> CreditAccountOutput:
        self.email_receipt(ctx, to="owner@example.com", amount=amount)  # E: call-arg
        return CreditAccountOutput(balance=amount, entry_id=uuid4())
