# expect: none
from django.db import transaction

from shipping.models import Parcel
from shipping.tasks import print_label


def ship(order):
    with transaction.atomic():
        parcel = Parcel.objects.create(order=order)
        print_label.apply_async_on_commit(args=[parcel.pk])
        order.mark_shipped()
