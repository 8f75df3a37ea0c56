# expect: none
# pattern: both calls run in threads
from asgiref.sync import sync_to_async

from shop.generated import ops


async def on_message(ctx, message):
    def cancel():
        return ops.orders.cancel_order(ctx, order_id=message["order_id"])

    await sync_to_async(cancel)()
    return await sync_to_async(ops.orders.place_order)(ctx, **message["replacement"])
