# expect: non-uniform-interface
# pattern: a clean-architecture use-case module where one use case names its single public
#          method after itself while the others use execute(); callers must look up which
from dataclasses import dataclass

from orders.repository import OrderRepository


@dataclass
class PlaceOrderUseCase:
    orders: OrderRepository

    def place(self, customer_id, lines):  # expect-line
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
