# expect: non-uniform-interface
# pattern: one handler catches the gateway error and returns the exception object, the
#          others let it propagate; the caller stores the exception as a shipment id
class CarrierError(Exception):
    pass


class CreateLabel:
    def __init__(self, carrier):
        self.carrier = carrier

    def run(self, shipment):
        return self.carrier.create_label(shipment.address, shipment.weight)


class CancelLabel:
    def __init__(self, carrier):
        self.carrier = carrier

    def run(self, shipment):  # expect-line: returns the error object on failure
        try:
            return self.carrier.cancel_label(shipment.label_id)
        except CarrierError as exc:
            return exc


class TrackLabel:
    def __init__(self, carrier):
        self.carrier = carrier

    def run(self, shipment):
        return self.carrier.track(shipment.label_id)
