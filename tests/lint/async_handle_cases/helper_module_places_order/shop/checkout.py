from shop.generated import ops


def checkout(ctx, cart):
    lines = [{"sku": line.sku, "quantity": line.quantity} for line in cart.lines]
    return ops.orders.place_order(ctx, customer_id=cart.customer_id, lines=lines).unwrap()
