# expect: non-uniform-interface
# pattern: a nested def hands one call to a thread, but the call after it runs in the
#          coroutine itself; a linter with an "inside a nested def" flag misses it
from asgiref.sync import sync_to_async

from shop.generated import ops


async def on_message(ctx, message):
    def cancel():
        return ops.orders.cancel_order(ctx, order_id=message["order_id"])

    await sync_to_async(cancel)()
    return ops.orders.place_order(ctx, **message["replacement"])  # expect-line
