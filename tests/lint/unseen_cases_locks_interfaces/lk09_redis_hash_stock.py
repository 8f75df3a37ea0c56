# expect: missing-lock
# pattern: stock kept in a Redis hash is read with hget(), checked and written back
#          with hset(); two buyers both take the last item
import redis

r = redis.Redis()


def take(sku, quantity):
    left = int(r.hget("stock", sku) or 0)  # expect-line
    if left < quantity:
        return False
    r.hset("stock", sku, left - quantity)
    return True
