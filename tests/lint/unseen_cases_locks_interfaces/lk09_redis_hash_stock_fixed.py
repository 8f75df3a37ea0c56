# expect: none
# fixed shape for lk09: HINCRBY changes the count atomically and a negative result is
# given back
import redis

r = redis.Redis()


def take(sku, quantity):
    left = r.hincrby("stock", sku, -quantity)
    if left < 0:
        r.hincrby("stock", sku, quantity)
        return False
    return True
