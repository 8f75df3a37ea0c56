# expect: non-uniform-interface
# pattern: three shipping services with three verbs: execute(), run() and call()
class QuoteShipment:
    def __init__(self, parcel):
        self.parcel = parcel

    def execute(self):
        return self.parcel.weight * 3


class BookCourier:
    def __init__(self, parcel):
        self.parcel = parcel

    def run(self):  # expect-line
        return {"parcel": self.parcel.pk, "courier": "next-day"}


class PrintLabel:
    def __init__(self, parcel):
        self.parcel = parcel

    def call(self):  # expect-line
        return f"LABEL-{self.parcel.pk}"


def ship(parcel):
    price = QuoteShipment(parcel).execute()
    booking = BookCourier(parcel).run()
    label = PrintLabel(parcel).call()
    return price, booking, label
