# expect: none
# fixed shape: every handler lets the carrier error propagate
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

    def run(self, shipment):
        return self.carrier.cancel_label(shipment.label_id)


class TrackLabel:
    def __init__(self, carrier):
        self.carrier = carrier

    def run(self, shipment):
        return self.carrier.track(shipment.label_id)
