# expect: missing-lock
# expect-message: where(Product.id == product.id, Product.stock >= quantity)
# SQLAlchemy: the stock is checked on the row the session loaded, then an UPDATE
# subtracts in SQL. Two requests can both pass the check before either UPDATE runs.
from sqlalchemy import update
from sqlalchemy.orm import Session

from shop.errors import OutOfStock
from shop.models import Product


def reserve(session: Session, product_id: int, quantity: int) -> None:
    product = session.get(Product, product_id)  # expect-line
    if product.stock < quantity:
        raise OutOfStock(product_id)
    session.execute(update(Product).where(Product.id == product_id).values(stock=Product.stock - quantity))
    session.commit()
