# expect: non-uniform-interface
# pattern: a services module of callable objects (__call__) with one that must be run
#          through process(); "service(order)" raises TypeError for that one
class ReserveStock:
    def __init__(self, warehouse):
        self.warehouse = warehouse

    def __call__(self, order):
        return [self.warehouse.reserve(line.sku, line.quantity) for line in order.lines]


class CapturePayment:
    def __init__(self, gateway):
        self.gateway = gateway

    def __call__(self, order):
        return self.gateway.capture(order.payment_id)


class ScheduleDelivery:
    def __init__(self, courier):
        self.courier = courier

    def process(self, order):  # expect-line
        return self.courier.book(order.address)


PIPELINE = (ReserveStock, CapturePayment, ScheduleDelivery)
