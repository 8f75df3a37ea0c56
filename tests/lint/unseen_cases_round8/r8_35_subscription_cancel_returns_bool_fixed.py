# expect: none
# fixed shape for r8_35: cancel() returns the subscription and raises SubscriptionNotActive
from django.db.models import F
from django.utils import timezone

from subscriptions.models import Subscription


class SubscriptionError(Exception):
    pass


class SubscriptionNotActive(SubscriptionError):
    pass


class SubscriptionService:
    def pause(self, subscription: Subscription) -> Subscription:
        updated = Subscription.objects.filter(pk=subscription.pk, status=Subscription.ACTIVE).update(
            status=Subscription.PAUSED, paused_at=timezone.now()
        )
        if not updated:
            raise SubscriptionNotActive(subscription.pk)
        subscription.refresh_from_db()
        return subscription

    def extend(self, subscription: Subscription, days: int) -> Subscription:
        updated = Subscription.objects.filter(pk=subscription.pk, status=Subscription.ACTIVE).update(
            extra_days=F("extra_days") + days
        )
        if not updated:
            raise SubscriptionNotActive(subscription.pk)
        subscription.refresh_from_db()
        return subscription

    def cancel(self, subscription: Subscription, reason: str) -> Subscription:
        updated = (
            Subscription.objects.filter(pk=subscription.pk)
            .exclude(status=Subscription.CANCELED)
            .update(status=Subscription.CANCELED, cancel_reason=reason, canceled_at=timezone.now())
        )
        if not updated:
            raise SubscriptionNotActive(subscription.pk)
        subscription.refresh_from_db()
        return subscription
