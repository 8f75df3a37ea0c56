# expect: none
# fixed shape for r9_07: the READY handler defers the carrier call to COMMIT, and the
# restock handler still writes inside the block
from functools import partial

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F

from fulfilment.models import Parcel, Product, StatusChange


def restock_returned(parcel):
    for line in parcel.lines.all():
        Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.quantity)


def post_pickup(tracking_code, address):
    response = requests.post(
        f"{settings.CARRIER_API}/pickups",
        json={"parcel": tracking_code, "address": address},
        timeout=15,
    )
    response.raise_for_status()


def book_pickup(parcel):
    transaction.on_commit(partial(post_pickup, parcel.tracking_code, parcel.sender_address))


ON_STATUS = {
    Parcel.RETURNED: restock_returned,
    Parcel.READY: book_pickup,
}


def change_status(parcel_id, new_status, actor):
    with transaction.atomic():
        parcel = Parcel.objects.select_for_update().get(pk=parcel_id)
        StatusChange.objects.create(parcel=parcel, old=parcel.status, new=new_status, actor=actor)
        parcel.status = new_status
        parcel.save(update_fields=["status"])
        handler = ON_STATUS.get(new_status)
        if handler is not None:
            handler(parcel)
    return parcel
