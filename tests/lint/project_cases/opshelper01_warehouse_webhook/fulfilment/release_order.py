# expect: side-effect-in-transaction
# pattern: run() stays short and hands the warehouse call to a private helper; the helper
#          runs inside the operation's transaction, so the warehouse starts picking an
#          order whose release may still roll back
import requests

from fulfilment.generated import ReleaseOrderBase
from fulfilment.models import Order, Shipment

WAREHOUSE_URL = "https://wms.example.invalid/api/releases"


class ReleaseOrder(ReleaseOrderBase):
    def run(self, ctx, *, order_id):
        order = ctx.session.get(Order, order_id)
        order.status = "released"
        shipment = Shipment(order_id=order.id)
        ctx.session.add(shipment)
        ctx.session.flush()
        self._tell_warehouse(ctx, order, shipment)
        return {"shipment_id": shipment.id}

    def _tell_warehouse(self, ctx, order, shipment):
        payload = {"order": order.id, "shipment": shipment.id, "site": order.warehouse_code}
        ctx.logger.info("releasing order %s to %s", order.id, order.warehouse_code)
        requests.post(WAREHOUSE_URL, json=payload, timeout=10)  # expect-line
