# expect: none
# fixed shape for lk03: a conditional UPDATE checks and reduces the stock in one statement
from sqlalchemy.orm import Session

from store.models import Product


class OutOfStock(Exception):
    pass


def reserve_stock(session: Session, product_id: int, quantity: int) -> None:
    updated = (
        session.query(Product)
        .filter(Product.id == product_id, Product.stock >= quantity)
        .update({Product.stock: Product.stock - quantity}, synchronize_session=False)
    )
    if not updated:
        session.rollback()
        raise OutOfStock(product_id)
    session.commit()
