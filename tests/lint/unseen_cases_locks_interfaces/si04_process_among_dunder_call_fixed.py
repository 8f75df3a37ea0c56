# expect: none
# fixed shape for si04: every step is a callable object
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

    def __call__(self, order):
        return self.courier.book(order.address)


PIPELINE = (ReserveStock, CapturePayment, ScheduleDelivery)
