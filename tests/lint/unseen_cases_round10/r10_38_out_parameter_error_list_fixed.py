# expect: none
# fixed shape for r10_38: the customs service raises ShippingError like its siblings
from shipping.errors import ShippingError
from shipping.models import Address, CustomsDeclaration, Parcel, Quote
from shipping.rates import rate_table


class AddressNormaliser:
    def execute(self, address: Address) -> Address:
        if not address.postal_code:
            raise ShippingError(f"address {address.pk} has no postal code")
        return address.normalised()


class QuoteService:
    def execute(self, parcel: Parcel) -> Quote:
        rate = rate_table.lookup(parcel.destination_country, parcel.weight_grams)
        if rate is None:
            raise ShippingError(f"no rate for {parcel.destination_country} at {parcel.weight_grams} g")
        return Quote(parcel=parcel, amount=rate.amount)


class CustomsDeclarationService:
    def execute(self, parcel: Parcel) -> CustomsDeclaration:
        missing = [item.description for item in parcel.items.all() if not item.hs_code]
        if missing:
            raise ShippingError("; ".join(f"item {description!r} has no HS code" for description in missing))
        return CustomsDeclaration.objects.create(parcel=parcel, total_value=parcel.declared_value())
