# expect: non-uniform-interface
# pattern: the quote services return a Decimal from execute(), except QuoteCustoms, which
#          enqueues a Celery task and returns its AsyncResult. The checkout adds the quotes
#          together, and that one raises a TypeError or, if awaited with .get(), blocks the
#          request on a worker.
from decimal import Decimal

from celery.result import AsyncResult

from shipping.carriers import carrier_for
from shipping.insurance import premium_for
from shipping.tasks import compute_customs_duty


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

    def execute(self) -> AsyncResult:  # expect-line: a task handle among Decimal results
        return compute_customs_duty.delay(self.parcel.pk, self.destination)
