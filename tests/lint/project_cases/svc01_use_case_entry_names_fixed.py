# expect: none
# fixed shape for svc01: every use case has the same single entry method
from dataclasses import dataclass

from orders.repository import OrderRepository


@dataclass
class PlaceOrderUseCase:
    orders: OrderRepository

    def execute(self, customer_id, lines):
        order = self.orders.new(customer_id=customer_id, lines=lines)
        self.orders.save(order)
        return order


@dataclass
class CancelOrderUseCase:
    orders: OrderRepository

    def execute(self, order_id, reason):
        order = self.orders.get(order_id)
        order.cancel(reason)
        self.orders.save(order)
        return order


@dataclass
class RefundOrderUseCase:
    orders: OrderRepository

    def execute(self, order_id, amount):
        order = self.orders.get(order_id)
        order.refund(amount)
        self.orders.save(order)
        return order
