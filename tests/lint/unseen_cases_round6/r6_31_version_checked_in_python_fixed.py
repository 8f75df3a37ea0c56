# expect: none
# fixed shape: the version check is the UPDATE's WHERE clause, so only one editor wins
from django.db.models import F

from wiki.models import Page


class EditConflict(Exception):
    pass


def save_page(page_id, body, expected_version):
    updated = Page.objects.filter(pk=page_id, version=expected_version).update(
        body=body, version=F("version") + 1
    )
    if not updated:
        raise EditConflict(page_id)
    return Page.objects.get(pk=page_id)
