# expect: none
"""Download counters for shared files, kept in Redis for a day.
"""

import redis

r = redis.Redis(host="localhost", port=6379, db=5)


def record_download(file_id: str) -> int:
    key = f"downloads:{file_id}"
    pipe = r.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, 86400)
    count, _ = pipe.execute()
    return count
