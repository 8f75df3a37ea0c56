# expect: non-uniform-interface
# pattern: an orders/services.py module of plain functions: two return the order and
#          raise on failure, one returns an (ok, error) pair and one an {"ok": ...}
#          dictionary, so a caller written for the first shape takes a failure for success
from orders.models import Order


class OrderError(Exception):
    pass


def place_order(customer, cart):
    if not cart.items:
        raise OrderError("the cart is empty")
    return Order.objects.create(customer=customer, total=cart.total)


def ship_order(order, carrier):
    if order.status != Order.Status.PAID:
        raise OrderError(f"order {order.pk} is not paid")
    order.status = Order.Status.SHIPPED
    order.carrier = carrier
    order.save(update_fields=["status", "carrier"])
    return order


def cancel_order(order):  # expect-line
    if order.status == Order.Status.SHIPPED:
        return False, "a shipped order cannot be cancelled"
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    return True, None


def refund_order(order, amount):  # expect-line
    if amount > order.total:
        return {"ok": False, "error": "the refund exceeds the order total"}
    order.refunds.create(amount=amount)
    return {"ok": True, "refund": amount}
