# expect: none
# fixed shape for r9_32: a per-cart Redis lock covers the read and the write. The lock
# expires after 5 s, so a crashed worker cannot block the cart for good
import json

from redis import Redis

CART_TTL = 7 * 24 * 3600


def add_to_cart(client: Redis, cart_id: str, sku: str, quantity: int) -> dict:
    key = f"cart:{cart_id}"
    with client.lock(f"lock:{key}", timeout=5, blocking_timeout=3):
        raw = client.get(key)
        cart = json.loads(raw) if raw else {"items": {}}
        cart["items"][sku] = cart["items"].get(sku, 0) + quantity
        client.set(key, json.dumps(cart), ex=CART_TTL)
    return cart
