# expect: forgotten-transaction
# pattern: merging a duplicate label moves every product over through the default
#          reverse accessor (product_set) and then deletes the duplicate; each add() and the
#          delete() commit alone, so a failure midway splits the products between labels
from catalog.models import Label


def merge_labels(keep_id, duplicate_id):
    keep = Label.objects.get(pk=keep_id)
    duplicate = Label.objects.get(pk=duplicate_id)
    for product in duplicate.product_set.all():
        product.labels.add(keep)  # expect-line
    duplicate.delete()
    return keep
