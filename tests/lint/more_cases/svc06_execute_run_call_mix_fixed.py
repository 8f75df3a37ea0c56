# expect: none
# fixed shape for svc06: one verb, execute(), for every shipping service
class QuoteShipment:
    def __init__(self, parcel):
        self.parcel = parcel

    def execute(self):
        return self.parcel.weight * 3


class BookCourier:
    def __init__(self, parcel):
        self.parcel = parcel

    def execute(self):
        return {"parcel": self.parcel.pk, "courier": "next-day"}


class PrintLabel:
    def __init__(self, parcel):
        self.parcel = parcel

    def execute(self):
        return f"LABEL-{self.parcel.pk}"


def ship(parcel):
    price = QuoteShipment(parcel).execute()
    booking = BookCourier(parcel).execute()
    label = PrintLabel(parcel).execute()
    return price, booking, label
