# expect: forgotten-transaction
# An async job applies the discount it is given to every cart. A failure midway leaves
# part of the carts discounted: one change across the rows.
from shop.models import Cart


async def apply_discount(discount):
    async for cart in Cart.objects.filter(open=True):
        cart.total = cart.subtotal - discount
        await cart.asave(update_fields=["total"])  # expect-line
