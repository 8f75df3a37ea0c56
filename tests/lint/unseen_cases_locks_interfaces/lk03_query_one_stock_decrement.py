# expect: missing-lock
# pattern: legacy session.query() loads the product, the stock is checked and reduced
#          in Python, then committed; two orders can sell the last unit twice
from sqlalchemy.orm import Session

from store.models import Product


class OutOfStock(Exception):
    pass


def reserve_stock(session: Session, product_id: int, quantity: int) -> None:
    product = session.query(Product).filter_by(id=product_id).one()
    if product.stock < quantity:
        raise OutOfStock(product_id)
    product.stock = product.stock - quantity  # expect-line
    session.commit()
