from shop.database import db_session
from shop.models import Reservation


class StockBook:
    def hold(self, sku, quantity, order_id):
        db_session.add(Reservation(order_id=order_id, sku=sku, quantity=quantity))
        db_session.commit()
