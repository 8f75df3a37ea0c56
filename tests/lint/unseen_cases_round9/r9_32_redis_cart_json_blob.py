# expect: missing-lock
# pattern: a cart kept as one JSON string in Redis is read, changed and written back, so
#          of two browser tabs adding items at once, one loses its item
import json

from redis import Redis

CART_TTL = 7 * 24 * 3600


def add_to_cart(client: Redis, cart_id: str, sku: str, quantity: int) -> dict:
    key = f"cart:{cart_id}"
    raw = client.get(key)  # expect-line: read outside any lock or WATCH
    cart = json.loads(raw) if raw else {"items": {}}
    cart["items"][sku] = cart["items"].get(sku, 0) + quantity
    client.set(key, json.dumps(cart), ex=CART_TTL)
    return cart
