# expect: none
# Each cart's item count is recomputed from its own items; the passes do not depend on
# one another, and a second run writes the same counts.
from shop.models import Cart


async def recount_items():
    async for cart in Cart.objects.filter(open=True):
        cart.item_count = await cart.items.acount()
        await cart.asave(update_fields=["item_count"])
