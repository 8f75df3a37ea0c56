# expect: none
# fixed shape for g08: every use case returns the order and raises OrderClosed
from orders.models import Order


class OrderClosed(Exception):
    pass


def place_order(customer, lines):
    order = Order.objects.create(customer=customer)
    order.add_lines(lines)
    return order


def cancel_order(order_id):
    order = Order.objects.get(pk=order_id)
    if order.status == "shipped":
        raise OrderClosed(order_id)
    order.cancel()
    return order


def change_address(order_id, address):
    order = Order.objects.get(pk=order_id)
    if order.status == "shipped":
        raise OrderClosed(order_id)
    order.ship_to(address)
    return order
