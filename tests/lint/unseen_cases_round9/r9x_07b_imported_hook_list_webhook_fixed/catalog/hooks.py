# expect: none
# fixed shape for r9x_07b: the partner is notified when the import commits
from functools import partial

import httpx
from django.conf import settings
from django.db import transaction

from catalog.models import SearchEntry


def refresh_search_entries(products):
    for product in products:
        SearchEntry.objects.update_or_create(product=product, defaults={"text": product.title})


def post_feed(skus):
    httpx.post(settings.PARTNER_FEED_URL, json=skus, timeout=10)


def notify_partner(products):
    transaction.on_commit(partial(post_feed, [p.sku for p in products]))


AFTER_IMPORT = [refresh_search_entries, notify_partner]
