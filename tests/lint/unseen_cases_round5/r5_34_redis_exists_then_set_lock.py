# expect: missing-lock
# pattern: a Redis "lock" taken by checking exists() and then set(); two workers both see
#          no key and both run the nightly export
import redis

from exports.jobs import run_export

r = redis.Redis(host="127.0.0.1", port=6379, db=0)


def run_nightly_export(day):
    key = f"export-lock:{day}"
    if r.exists(key):  # expect-line
        return False
    r.set(key, "1", ex=3600)  # expect-line
    run_export(day)
    return True
