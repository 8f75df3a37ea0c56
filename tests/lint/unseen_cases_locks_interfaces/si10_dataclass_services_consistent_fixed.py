# expect: none
# fixed shape for si10: frozen dataclass services with one entry, execute(), that
# returns its result; DTOs, the error class and a private helper are not services
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

    def execute(self) -> Quote:
        if not 0 <= self.percent <= 100:
            raise PricingError(f"discount must be in 0..100, got {self.percent}")
        factor = Decimal(100 - self.percent) / 100
        return Quote(net=_round(self.quote.net * factor), tax=_round(self.quote.tax * factor))
