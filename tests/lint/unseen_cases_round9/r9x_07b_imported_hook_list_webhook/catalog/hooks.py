# expect: side-effect-in-transaction
# pattern: a list of post-import hooks lives in its own module; the import view loops over
#          it inside its atomic block, and one hook notifies a partner over HTTP
import httpx
from django.conf import settings

from catalog.models import SearchEntry


def refresh_search_entries(products):
    for product in products:
        SearchEntry.objects.update_or_create(product=product, defaults={"text": product.title})


def notify_partner(products):
    httpx.post(settings.PARTNER_FEED_URL, json=[p.sku for p in products], timeout=10)  # expect-line


AFTER_IMPORT = [refresh_search_entries, notify_partner]
