# expect: none
# pattern: the same call in a plain def, which the framework runs in a thread pool
from opsgen_shop_ops import ops


def place_order(ctx, customer_id):
    return ops.orders.place_order(ctx, customer_id=customer_id)
