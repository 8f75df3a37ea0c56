# expect: side-effect-in-transaction
# pattern: a post_save receiver enqueues a task under "if created:"; every write that
#          inserts an order inside atomic() reaches it, and saves of loaded rows do not
# expect-message: defer it in the receiver shop.signals.push_order_to_erp (shop/signals.py:9) with transaction.on_commit(...)
from django.db import transaction
from django.shortcuts import get_object_or_404

from shop.models import Order, Product


def place_order(sku, quantity):
    with transaction.atomic():
        product = Product.objects.select_for_update().get(sku=sku)
        product.stock -= quantity
        product.save(update_fields=["stock"])
        return Order.objects.create(product=product, quantity=quantity)  # via-indirection


def place_order_once(reference, product, quantity):
    with transaction.atomic():
        order, _ = Order.objects.get_or_create(reference=reference, defaults={"product": product, "quantity": quantity})  # via-indirection
        order.status = "placed"
        order.save()  # the row exists after get_or_create(): created is False
        return order


def place_built_order(product, quantity):
    with transaction.atomic():
        order = Order(product=product, quantity=quantity)
        order.save()  # via-indirection
        return order


def place_inline_order(product, quantity):
    with transaction.atomic():
        Order(product=product, quantity=quantity).save()  # via-indirection


def cancel_order(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.status = "cancelled"
        order.save()


def confirm_order(order_id):
    with transaction.atomic():
        order = get_object_or_404(Order, pk=order_id)
        order.status = "confirmed"
        order.save()


def ship_next_order():
    with transaction.atomic():
        order = Order.objects.filter(status="confirmed").select_for_update().first()
        order.status = "shipped"
        order.save()


def close_orders():
    with transaction.atomic():
        for order in Order.objects.filter(status="shipped"):
            order.status = "closed"
            order.save()


def rename_order(order, status):
    with transaction.atomic():
        order.status = status
        order.save(update_fields=["status"])
