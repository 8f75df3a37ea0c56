# expect: non-uniform-interface
# pattern: command handlers registered on one bus, three of them with handle(command) and
#          two with other verbs; the bus calls handler.handle() and breaks on those two
from dataclasses import dataclass


@dataclass(frozen=True)
class CreateOrder:
    customer_id: int
    items: tuple


@dataclass(frozen=True)
class CancelOrder:
    order_id: int
    reason: str


@dataclass(frozen=True)
class RefundOrder:
    order_id: int
    amount: int


@dataclass(frozen=True)
class ShipOrder:
    order_id: int
    carrier: str


@dataclass(frozen=True)
class ArchiveOrder:
    order_id: int


class CreateOrderHandler:
    def __init__(self, orders):
        self.orders = orders

    def handle(self, command: CreateOrder):
        return self.orders.add(command.customer_id, command.items)


class CancelOrderHandler:
    def __init__(self, orders):
        self.orders = orders

    def handle(self, command: CancelOrder):
        order = self.orders.get(command.order_id)
        order.cancel(command.reason)
        return order


class ShipOrderHandler:
    def __init__(self, orders):
        self.orders = orders

    def handle(self, command: ShipOrder):
        order = self.orders.get(command.order_id)
        order.ship(command.carrier)
        return order


class RefundOrderHandler:
    def __init__(self, orders, payments):
        self.orders = orders
        self.payments = payments

    def __call__(self, command: RefundOrder):  # expect-line
        order = self.orders.get(command.order_id)
        return self.payments.refund(order.payment_id, command.amount)


class ArchiveOrderHandler:
    def __init__(self, orders):
        self.orders = orders

    def execute(self, command: ArchiveOrder):  # expect-line
        order = self.orders.get(command.order_id)
        order.archive()
        return order
