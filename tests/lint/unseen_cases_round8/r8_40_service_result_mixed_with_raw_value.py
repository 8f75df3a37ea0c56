# expect: non-uniform-interface
# pattern: shipping services return ServiceResult, except track(), which returns a
#          ServiceResult only on failure and the raw list of events on success; callers
#          test `.ok` on the list and fail with AttributeError
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shipping.models import Shipment
from shipping.rates import rate_for


@dataclass(frozen=True)
class ServiceResult:
    ok: bool
    value: Any = None
    error: str | None = None


class ShippingService:
    def quote(self, parcel, destination) -> ServiceResult:
        rate = rate_for(parcel.weight_grams, destination.country)
        if rate is None:
            return ServiceResult(ok=False, error=f"no rate to {destination.country}")
        return ServiceResult(ok=True, value=Decimal(rate))

    def book(self, parcel, destination, carrier) -> ServiceResult:
        if parcel.weight_grams > carrier.max_weight_grams:
            return ServiceResult(ok=False, error=f"parcel too heavy for {carrier.name}")
        shipment = Shipment.objects.create(parcel=parcel, destination=destination, carrier=carrier)
        return ServiceResult(ok=True, value=shipment)

    def track(self, shipment_id):  # expect-line
        shipment = Shipment.objects.filter(pk=shipment_id).first()
        if shipment is None:
            return ServiceResult(ok=False, error=f"shipment {shipment_id} not found")
        return list(shipment.events.order_by("-occurred_at"))
