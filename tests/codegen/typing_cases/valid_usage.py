"""Correct use of the generated example: mypy --strict must accept all of it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from app.generated import ops
from app.generated.billing.credit_account import CreditAccountBase, CreditAccountOutput
from app.generated.shared_types import Currency, Money
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.result import Success


def credit(account_id: UUID) -> Decimal | None:
    result = ops.billing.credit_account(None, account_id=account_id, amount=Decimal("10.00"), currency="EUR")
    if isinstance(result, Success):
        balance: Decimal = result.value.balance
        return balance
    return None


def register() -> None:
    ops.accounts.register_user(
        None, email="a@example.com", password="correct horse battery", display_name="Ada"
    )
    ops.billing.generate_invoices(None, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
    ops.billing.sync_payment_provider(None)


class CreditAccountImpl(CreditAccountBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        account_id: UUID,
        amount: Money,
        currency: Currency,
        reference: str | None,
    ) -> CreditAccountOutput:
        if currency != "EUR":
            raise self.errors.currency_mismatch(account_currency="EUR")
        self.email_receipt(ctx, to="owner@example.com", amount=amount, currency=currency)
        return CreditAccountOutput(balance=amount, entry_id=uuid4())
