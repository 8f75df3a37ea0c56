from shop.models import Reservation


class StockBook:
    def __init__(self, session):
        self.session = session

    def hold(self, sku, quantity, order_id):
        self.session.add(Reservation(order_id=order_id, sku=sku, quantity=quantity))
