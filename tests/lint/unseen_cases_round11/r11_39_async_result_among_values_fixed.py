# expect: none
# fixed shape: QuoteCustoms computes the duty in the request and returns a Decimal
from decimal import Decimal

from shipping.carriers import carrier_for
from shipping.customs import customs_duty_for
from shipping.insurance import premium_for


class QuoteShipping:
    def __init__(self, parcel, destination: str):
        self.parcel = parcel
        self.destination = destination

    def execute(self) -> Decimal:
        return carrier_for(self.destination).quote(self.parcel.weight_grams, self.destination)


class QuoteInsurance:
    def __init__(self, parcel):
        self.parcel = parcel

    def execute(self) -> Decimal:
        return premium_for(self.parcel.declared_value)


class QuoteCustoms:
    def __init__(self, parcel, destination: str):
        self.parcel = parcel
        self.destination = destination

    def execute(self) -> Decimal:
        return customs_duty_for(self.parcel, self.destination)
