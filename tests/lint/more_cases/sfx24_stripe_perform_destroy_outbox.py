# expect: side-effect-in-transaction
# pattern: DRF perform_destroy() wrapped in @transaction.atomic cancels the Stripe
#          subscription before the delete commits; a failed delete leaves a customer
#          whose plan is cancelled at Stripe but active here
import stripe
from django.db import transaction
from rest_framework import viewsets

from plans.models import Subscription
from plans.serializers import SubscriptionSerializer


class SubscriptionViewSet(viewsets.ModelViewSet):
    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer

    @transaction.atomic
    def perform_destroy(self, instance):
        instance.customer.plan_history.create(plan=instance.plan, ended=True)
        stripe.Subscription.delete(instance.stripe_id)  # expect-line
        instance.delete()
