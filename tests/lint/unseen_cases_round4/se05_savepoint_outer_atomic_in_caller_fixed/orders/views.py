from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from inventory.services import reserve_stock
from orders.models import Order


@require_POST
def checkout(request, order_id):
    order = get_object_or_404(Order, pk=order_id, customer=request.user)
    with transaction.atomic():
        order.status = Order.Status.PLACED
        order.save(update_fields=["status"])
        reserve_stock(order)
    return redirect("orders:detail", order.pk)
