"""A stand-in for a payment provider's API: one payment from each known payer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from examples.billing.models import Payment

EPOCH = datetime(2026, 11, 1, tzinfo=timezone.utc)


def fetch_payments(since: datetime | None, payer_ids: Sequence[uuid.UUID]) -> list[Payment]:
    """Return the provider's payments received after ``since`` (all of them when None)."""
    payments = [
        Payment(
            id=f"pay_{index:04d}",
            account_id=payer_id,
            amount=Decimal("10.00") + index,
            received_at=EPOCH + timedelta(hours=index),
        )
        for index, payer_id in enumerate(payer_ids)
    ]
    if since is None:
        return payments
    cutoff = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    return [payment for payment in payments if payment.received_at > cutoff]
