# expect: side-effect-in-transaction
# pattern: a @receiver(post_save) calls a webhook with requests; a class-based view
#          saves the order, and ATOMIC_REQUESTS keeps the transaction open around it
# settings.py (same project): DATABASES["default"]["ATOMIC_REQUESTS"] = True
import requests
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.views import View

from orders.models import Order


@receiver(post_save, sender=Order)
def push_to_warehouse(sender, instance, **kwargs):
    if instance.status == "paid":
        requests.post("https://warehouse.invalid/orders", json={"id": instance.pk}, timeout=5)  # expect-line


class MarkPaidView(View):
    def post(self, request, pk):
        order = Order.objects.get(pk=pk)
        order.status = "paid"
        order.save(update_fields=["status"])  # via-indirection
        return JsonResponse({"status": order.status})
