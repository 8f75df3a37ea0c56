from uuid import UUID

from app.generated.billing.credit_account import CreditAccountBase, CreditAccountOutput
from app.generated.shared_types import Currency, Money
from opsgen.runtime.execution import ExecutionContext


class CreditAccount(CreditAccountBase):
    def run(
        self, ctx: ExecutionContext, *, account_id: UUID, amount: Money, currency: Currency, reference: str | None
    ) -> CreditAccountOutput:
        raise self.errors.currency_mismatch(account_currency="YEN")  # E: arg-type
