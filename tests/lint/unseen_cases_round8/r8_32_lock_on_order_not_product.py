# expect: missing-lock
# pattern: adding a line locks the order row, but the stock is read from the product
#          row without a lock and decremented in Python; two orders for the same product
#          both see enough stock
from sqlalchemy.orm import Session

from orders.errors import OrderClosed, OutOfStock
from orders.models import Order, OrderLine, Product


def add_line(session: Session, order_id: int, product_id: int, quantity: int) -> OrderLine:
    with session.begin():
        order = session.get(Order, order_id, with_for_update=True)
        if order is None or order.status != "open":
            raise OrderClosed(order_id)
        product = session.get(Product, product_id)  # expect-line
        if product is None or product.stock < quantity:
            raise OutOfStock(product_id, quantity)
        product.stock -= quantity
        line = OrderLine(order_id=order_id, product_id=product_id, quantity=quantity, unit_price=product.price)
        session.add(line)
    return line
