"""CreditAccount: the implementation of billing.credit_account.

opsgen created this file once and never overwrites it. When the spec's input or
output changes, `opsgen generate` updates the signature of ``run`` and keeps
its body.
"""

from __future__ import annotations

from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from app.generated.billing.credit_account import (
    CreditAccountBase,
    CreditAccountOutput,
)
from app.generated.shared_types import Currency, Money


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
        raise NotImplementedError(
            "implement CreditAccount.run in "
            "app/operations/billing/credit_account.py (spec "
            "specs/billing/credit_account.yaml)"
        )
