from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from shop.fulfilment import submit_to_warehouse
from shop.models import Order


class OrderConfirmView(LoginRequiredMixin, View):
    def post(self, request, pk):
        order = get_object_or_404(
            Order.objects.select_for_update(), pk=pk, customer=request.user, status=Order.PAID
        )
        order.status = Order.CONFIRMED
        order.save(update_fields=["status"])
        payload = {
            "order": order.pk,
            "address": order.shipping_address_as_dict(),
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines.all()],
        }
        submit_to_warehouse(payload)  # via-indirection
        return redirect("order-detail", pk=order.pk)
