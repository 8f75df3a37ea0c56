# expect: none
# fixed shape for r8_30: the check and the decrement are one conditional UPDATE
from inventory.db import db
from inventory.errors import OutOfStock
from inventory.models import Product, Reservation


@db.atomic()
def reserve(product_id, quantity, order_id):
    updated = (
        Product.update(stock=Product.stock - quantity)
        .where((Product.id == product_id) & (Product.stock >= quantity))
        .execute()
    )
    if not updated:
        raise OutOfStock(product_id, quantity)
    return Reservation.create(product=product_id, order=order_id, quantity=quantity)
