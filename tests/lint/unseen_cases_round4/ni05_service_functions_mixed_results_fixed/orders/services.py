# expect: none
# fixed shape: every service function returns its result and raises OrderError on failure
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


def cancel_order(order):
    if order.status == Order.Status.SHIPPED:
        raise OrderError(f"order {order.pk} is shipped and cannot be cancelled")
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    return order


def refund_order(order, amount):
    if amount > order.total:
        raise OrderError(f"the refund of {amount} exceeds the total of order {order.pk}")
    return order.refunds.create(amount=amount)
