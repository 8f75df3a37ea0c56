# expect: side-effect-in-transaction
# pattern: a price book calls the listeners stored on it after writing new prices. One
#          listener deletes the cached price list. It runs inside atomic(), so a request
#          between the delete and the COMMIT reads the old prices and caches them again,
#          and the cache serves stale prices until it expires.
from django.core.cache import cache
from django.db import transaction

from pricing.models import Price


class PriceBook:
    def __init__(self):
        self._listeners = []

    def subscribe(self, listener):
        self._listeners.append(listener)

    def set_prices(self, currency, new_prices):
        with transaction.atomic():
            for sku, amount in new_prices.items():
                Price.objects.update_or_create(sku=sku, currency=currency, defaults={"amount": amount})
            for listener in self._listeners:
                listener(currency)  # via-indirection: drop_cached_price_list is subscribed below


def drop_cached_price_list(currency):
    cache.delete(f"price-list:{currency}")  # expect-line


price_book = PriceBook()
price_book.subscribe(drop_cached_price_list)
