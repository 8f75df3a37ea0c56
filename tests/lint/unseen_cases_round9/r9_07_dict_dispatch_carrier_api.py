# expect: side-effect-in-transaction
# pattern: status-change handlers are picked from a dict. The READY handler calls the
#          carrier API, and the dispatch runs inside the block that records the change
import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F

from fulfilment.models import Parcel, Product, StatusChange


def restock_returned(parcel):
    for line in parcel.lines.all():
        Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.quantity)


def book_pickup(parcel):
    response = requests.post(  # expect-line
        f"{settings.CARRIER_API}/pickups",
        json={"parcel": parcel.tracking_code, "address": parcel.sender_address},
        timeout=15,
    )
    response.raise_for_status()


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
            handler(parcel)  # via-indirection: book_pickup for READY
    return parcel
