# expect: none
# fixed shape for m2m05: the moved products and the deleted duplicate commit together
from django.db import transaction

from catalog.models import Label


@transaction.atomic
def merge_labels(keep_id, duplicate_id):
    keep = Label.objects.get(pk=keep_id)
    duplicate = Label.objects.get(pk=duplicate_id)
    keep.product_set.add(*duplicate.product_set.all())
    duplicate.delete()
    return keep
