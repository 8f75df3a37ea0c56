"""SyncPaymentProvider: the implementation of billing.sync_payment_provider.

opsgen created this file once and never overwrites it. When the spec's input or
output changes, `opsgen generate` updates the signature of ``run`` and keeps
its body.
"""

from __future__ import annotations

from datetime import datetime

from opsgen.runtime.execution import ExecutionContext

from app.generated.billing.sync_payment_provider import (
    SyncPaymentProviderBase,
    SyncPaymentProviderOutput,
)


class SyncPaymentProvider(SyncPaymentProviderBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        since: datetime | None,
    ) -> SyncPaymentProviderOutput:
        raise NotImplementedError(
            "implement SyncPaymentProvider.run in "
            "app/operations/billing/sync_payment_provider.py (spec "
            "specs/billing/sync_payment_provider.yaml)"
        )
