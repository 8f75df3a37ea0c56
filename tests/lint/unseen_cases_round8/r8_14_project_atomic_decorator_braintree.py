# expect: side-effect-in-transaction
# pattern: a project decorator wraps service methods in atomic(); the renewal charges the
#          card through Braintree inside it, so a failure on the Charge row rolls back the
#          renewal of a customer who has already paid
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
    @atomic_service
    def renew(self, subscription):
        subscription.period_end = subscription.next_period_end()
        subscription.save(update_fields=["period_end"])
        result = braintree.Transaction.sale(  # expect-line
            {
                "amount": str(subscription.plan.price),
                "payment_method_token": subscription.payment_method_token,
                "options": {"submit_for_settlement": True},
            }
        )
        if not result.is_success:
            raise PaymentDeclined(subscription.pk, result.message)
        Charge.objects.create(
            subscription=subscription,
            amount=subscription.plan.price,
            gateway_id=result.transaction.id,
        )
        return subscription
