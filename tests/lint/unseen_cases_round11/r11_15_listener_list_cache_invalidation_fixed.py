# expect: none
# fixed shape: the listeners run after the COMMIT, so no reader can cache the old prices
#              again once the key is deleted
from functools import partial

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
                transaction.on_commit(partial(listener, currency))


def drop_cached_price_list(currency):
    cache.delete(f"price-list:{currency}")


price_book = PriceBook()
price_book.subscribe(drop_cached_price_list)
