"""SyncPaymentProvider: the implementation of billing.sync_payment_provider.

opsgen created this file once and never overwrites it. When the spec's input or output
changes, `opsgen generate` updates the signature of ``run`` and keeps its body.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select

from opsgen.runtime.execution import ExecutionContext

from examples.billing.generated.billing.sync_payment_provider import (
    SyncPaymentProviderBase,
    SyncPaymentProviderOutput,
)
from examples.billing.models import Account, Payment
from examples.billing.provider import fetch_payments


class SyncPaymentProvider(SyncPaymentProviderBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        since: datetime | None,
    ) -> SyncPaymentProviderOutput:
        if since is None:
            since = ctx.session.scalar(select(func.max(Payment.received_at)))
        payer_ids = list(ctx.session.scalars(select(Account.id).order_by(Account.id).limit(20)))
        synced = 0
        for payment in fetch_payments(since, payer_ids):
            if ctx.session.get(Payment, payment.id) is None:
                ctx.session.add(payment)
                synced += 1
            time.sleep(0.01)  # the provider's API is slow; long enough to overlap a second start
        return SyncPaymentProviderOutput(payments_synced=synced)
