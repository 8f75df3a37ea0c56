# expect: none
# fixed shape for sfx24: the cancellation is written to an outbox table in the same
# transaction; a relay process calls Stripe for each committed outbox row
from django.db import transaction
from rest_framework import viewsets

from plans.models import OutboxMessage, Subscription
from plans.serializers import SubscriptionSerializer


class SubscriptionViewSet(viewsets.ModelViewSet):
    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer

    @transaction.atomic
    def perform_destroy(self, instance):
        instance.customer.plan_history.create(plan=instance.plan, ended=True)
        OutboxMessage.objects.create(topic="stripe.subscription.cancel", payload={"id": instance.stripe_id})
        instance.delete()
