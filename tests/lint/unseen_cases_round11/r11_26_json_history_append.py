# expect: missing-lock
# pattern: a shipment's status history is kept in a JSON column. It is read, appended to
#          in Python and written back, so of two carrier updates that arrive together, the
#          later save drops the other's entry.
from shipping.models import Shipment


def record_status(shipment_id, status, at):
    shipment = Shipment.objects.get(pk=shipment_id)  # expect-line
    shipment.history.append({"status": status, "at": at.isoformat()})
    shipment.status = status
    shipment.save(update_fields=["history", "status"])
    return shipment
