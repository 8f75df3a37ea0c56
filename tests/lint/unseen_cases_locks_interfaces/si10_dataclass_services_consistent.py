# expect: non-uniform-interface
# pattern: dataclass pricing services run with execute(), except one run with
#          calculate(); the DTO, the error class and the helper are not services
from dataclasses import dataclass
from decimal import Decimal


class PricingError(Exception):
    pass


@dataclass(frozen=True)
class Quote:
    net: Decimal
    tax: Decimal


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class QuoteOrder:
    order: object
    tax_rate: Decimal

    def execute(self) -> Quote:
        net = sum((line.price for line in self.order.lines), Decimal(0))
        return Quote(net=_round(net), tax=_round(net * self.tax_rate))


@dataclass(frozen=True)
class ApplyDiscount:
    quote: Quote
    percent: int

    def calculate(self) -> Quote:  # expect-line
        if not 0 <= self.percent <= 100:
            raise PricingError(f"discount must be in 0..100, got {self.percent}")
        factor = Decimal(100 - self.percent) / 100
        return Quote(net=_round(self.quote.net * factor), tax=_round(self.quote.tax * factor))


@dataclass(frozen=True)
class ShipOrder:
    order: object

    def execute(self) -> str:
        return f"shipment for {self.order.pk}"
