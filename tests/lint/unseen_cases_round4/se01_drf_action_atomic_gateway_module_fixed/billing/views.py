# expect: none
# fixed shape: the provider call waits for the commit through on_commit with a lambda
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
        transaction.on_commit(lambda: cancel_remote_subscription(subscription))
        return Response(status=204)
