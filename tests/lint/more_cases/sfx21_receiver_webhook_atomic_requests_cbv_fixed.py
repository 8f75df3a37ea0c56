# expect: none
# fixed shape for sfx21: the receiver registers the webhook call with on_commit
# settings.py (same project): DATABASES["default"]["ATOMIC_REQUESTS"] = True
from functools import partial

import requests
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.views import View

from orders.models import Order


@receiver(post_save, sender=Order)
def push_to_warehouse(sender, instance, **kwargs):
    if instance.status == "paid":
        payload = {"id": instance.pk}
        transaction.on_commit(partial(requests.post, "https://warehouse.invalid/orders", json=payload, timeout=5))


class MarkPaidView(View):
    def post(self, request, pk):
        order = Order.objects.get(pk=pk)
        order.status = "paid"
        order.save(update_fields=["status"])
        return JsonResponse({"status": order.status})
