# expect: non-uniform-interface
# pattern: the registry package is installed outside the project, so only the spec
#          names tell that ops.orders.place_order is an operation handle
from opsgen_shop_ops import ops


async def place_order(ctx, customer_id):
    return ops.orders.place_order(ctx, customer_id=customer_id)  # expect-line
