# expect: non-uniform-interface
# pattern: the shipping services raise ShippingError and return their result, except one
#          that appends messages to a caller-supplied list and returns None. A caller that
#          forgets to inspect the list ships a parcel without a customs declaration.
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
    def execute(self, parcel: Parcel, errors: list[str]) -> CustomsDeclaration | None:  # expect-line
        missing = [item.description for item in parcel.items.all() if not item.hs_code]
        if missing:
            errors.extend(f"item {description!r} has no HS code" for description in missing)
            return None
        return CustomsDeclaration.objects.create(parcel=parcel, total_value=parcel.declared_value())
