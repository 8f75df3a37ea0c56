# expect: none
# fixed shape: INCR counts atomically on the server and EXPIRE NX starts the window once
import os

import redis

r = redis.Redis.from_url(os.environ["REDIS_URL"])


def allow_request(client_id: str, limit: int = 100, window_seconds: int = 60) -> bool:
    key = f"ratelimit:{client_id}"
    pipe = r.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_seconds, nx=True)
    count, _ = pipe.execute()
    return count <= limit
