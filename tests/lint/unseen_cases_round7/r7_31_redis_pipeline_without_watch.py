# expect: missing-lock
"""Download counters for shared files, kept in Redis for a day."""
import redis

r = redis.Redis(host="localhost", port=6379, db=5)


def record_download(file_id: str) -> int:
    key = f"downloads:{file_id}"
    current = int(r.get(key) or 0)  # expect-line
    pipe = r.pipeline(transaction=True)
    pipe.set(key, current + 1)
    pipe.expire(key, 86400)
    pipe.execute()
    return current + 1
