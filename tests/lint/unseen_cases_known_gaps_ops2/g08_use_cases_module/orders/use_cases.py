# expect: non-uniform-interface
# pattern: a use_cases module of plain functions: two return the order and raise on
#          failure, the third hands back a (result, error) pair
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


def change_address(order_id, address):  # expect-line
    order = Order.objects.get(pk=order_id)
    if order.status == "shipped":
        return None, "the order has shipped"
    order.ship_to(address)
    return order, None
