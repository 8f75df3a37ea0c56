# expect: missing-lock
# pattern: optimistic locking done by hand: the version is compared in Python and the row
#          saved; two editors holding the same version both pass the check
from wiki.models import Page


class EditConflict(Exception):
    pass


def save_page(page_id, body, expected_version):
    page = Page.objects.get(pk=page_id)  # expect-line
    if page.version != expected_version:
        raise EditConflict(page_id)
    page.body = body
    page.version = expected_version + 1
    page.save(update_fields=["body", "version"])
    return page
