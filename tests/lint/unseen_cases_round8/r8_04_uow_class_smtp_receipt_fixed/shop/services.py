from shop.mailer import send_receipt
from shop.models import Order, OrderLine
from shop.uow import UnitOfWork


class CheckoutService:
    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    def checkout(self, cart):
        with self.uow as uow:
            order = Order(customer_email=cart.email, total=cart.total)
            uow.session.add(order)
            uow.session.flush()
            for item in cart.items:
                uow.session.add(OrderLine(order_id=order.id, sku=item.sku, quantity=item.quantity))
            uow.session.flush()
            order_id = order.id
        send_receipt(cart.email, order_id, cart.total)
        return order_id
