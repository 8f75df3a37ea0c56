# expect: none
# fixed shape: the row is locked from the read to the save
from django.db import transaction

from shipping.models import Shipment


def record_status(shipment_id, status, at):
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        shipment.history.append({"status": status, "at": at.isoformat()})
        shipment.status = status
        shipment.save(update_fields=["history", "status"])
    return shipment
