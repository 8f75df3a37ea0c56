"""CreditAccount: the implementation of billing.credit_account.

opsgen created this file once and never overwrites it. When the spec's input or output
changes, `opsgen generate` updates the signature of ``run`` and keeps its body.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from examples.billing.generated.billing.credit_account import (
    CreditAccountBase,
    CreditAccountOutput,
)
from examples.billing.generated.shared_types import Currency, Money
from examples.billing.models import Account, LedgerEntry


class CreditAccount(CreditAccountBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        account_id: UUID,
        amount: Money,
        currency: Currency,
        reference: str | None,
    ) -> CreditAccountOutput:
        account = ctx.session.get(Account, account_id)
        if account is None or account.closed:
            raise self.errors.account_closed()
        if account.currency != currency:
            raise self.errors.currency_mismatch(account_currency=cast(Currency, account.currency))

        entry = LedgerEntry(account_id=account.id, amount=amount, reference=reference)
        ctx.session.add(entry)
        account.balance += amount
        ctx.session.flush()

        # The receipt goes out only after the outermost transaction commits.
        self.email_receipt(ctx, to=account.owner_email, amount=amount, currency=currency)
        ctx.logger.info("credited %s %s to account %s", amount, currency, account.id)
        return CreditAccountOutput(balance=account.balance, entry_id=entry.id)
