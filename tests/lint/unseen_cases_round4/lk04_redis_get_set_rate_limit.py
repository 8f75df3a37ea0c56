# expect: missing-lock
# pattern: a rate limiter reads the counter with GET and writes it back with SET; requests
#          that arrive together read the same count and all get through
import os

import redis

r = redis.Redis.from_url(os.environ["REDIS_URL"])


def allow_request(client_id: str, limit: int = 100, window_seconds: int = 60) -> bool:
    key = f"ratelimit:{client_id}"
    current = int(r.get(key) or 0)  # expect-line
    if current >= limit:
        return False
    r.set(key, current + 1, ex=window_seconds)
    return True
