# expect: side-effect-in-transaction
# pattern: a countdown only guesses when the commit happens
from django.db import transaction

from shipping.models import Parcel
from shipping.tasks import print_label


def ship(order):
    with transaction.atomic():
        parcel = Parcel.objects.create(order=order)
        print_label.apply_async(args=[parcel.pk], countdown=5)  # expect-line
        order.mark_shipped()
