# expect: none
# fixed shape for r8_14: the card is charged first, outside any transaction, and only the
# local rows are written in the decorated method
import functools

import braintree
from django.db import transaction

from billing.errors import PaymentDeclined
from billing.models import Charge


def atomic_service(method):
    """Run the decorated service method in one database transaction."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            return method(*args, **kwargs)

    return wrapper


class SubscriptionRenewal:
    def renew(self, subscription):
        result = braintree.Transaction.sale(
            {
                "amount": str(subscription.plan.price),
                "payment_method_token": subscription.payment_method_token,
                "options": {"submit_for_settlement": True},
            }
        )
        if not result.is_success:
            raise PaymentDeclined(subscription.pk, result.message)
        return self._record_renewal(subscription, result.transaction.id)

    @atomic_service
    def _record_renewal(self, subscription, gateway_id):
        subscription.period_end = subscription.next_period_end()
        subscription.save(update_fields=["period_end"])
        Charge.objects.create(
            subscription=subscription,
            amount=subscription.plan.price,
            gateway_id=gateway_id,
        )
        return subscription
