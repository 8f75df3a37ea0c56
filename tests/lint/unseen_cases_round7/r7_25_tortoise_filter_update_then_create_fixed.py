# expect: none
"""Order dispatch for the warehouse scanner app.

The scanner calls dispatch_order() once the parcel label is printed. The order
status drives the customer's tracking page, and the shipment row holds the
carrier's tracking number.
"""

from tortoise.transactions import atomic

from .models import Order, Shipment


@atomic()
async def dispatch_order(order_id: int, tracking: str) -> Shipment:
    await Order.filter(id=order_id).update(status="dispatched")
    shipment = await Shipment.create(order_id=order_id, tracking=tracking)
    return shipment
