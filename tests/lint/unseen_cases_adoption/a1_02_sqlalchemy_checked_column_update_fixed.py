# expect: none
# The WHERE clause repeats the check, and a rowcount of 0 means the stock ran out.
from sqlalchemy import update
from sqlalchemy.orm import Session

from shop.errors import OutOfStock
from shop.models import Product


def reserve(session: Session, product_id: int, quantity: int) -> None:
    product = session.get(Product, product_id)
    if product.stock < quantity:
        raise OutOfStock(product_id)
    result = session.execute(
        update(Product).where(Product.id == product.id, Product.stock >= quantity).values(stock=Product.stock - quantity)
    )
    if result.rowcount == 0:
        raise OutOfStock(product_id)
    session.commit()
