# expect: side-effect-in-transaction
# pattern: a DRF viewset action is decorated with @transaction.atomic and calls a helper
#          in another module that cancels the subscription at the billing provider; a
#          rollback after the call leaves it active here and cancelled there
from django.db import transaction
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from billing.gateway import cancel_remote_subscription
from billing.models import Subscription
from billing.serializers import SubscriptionSerializer


class SubscriptionViewSet(viewsets.ModelViewSet):
    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer

    @action(detail=True, methods=["post"])
    @transaction.atomic
    def cancel(self, request, pk=None):
        subscription = self.get_object()
        subscription.status = Subscription.Status.CANCELED
        subscription.save(update_fields=["status"])
        subscription.events.create(kind="canceled", actor=request.user)
        cancel_remote_subscription(subscription)  # via-indirection
        return Response(status=204)
