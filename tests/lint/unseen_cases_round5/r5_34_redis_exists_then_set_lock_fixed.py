# expect: none
# fixed shape: SET NX takes the key in one step
import redis

from exports.jobs import run_export

r = redis.Redis(host="127.0.0.1", port=6379, db=0)


def run_nightly_export(day):
    # SET NX fails when another worker already holds the key; EX frees it after a crash.
    if not r.set(f"export-lock:{day}", "1", nx=True, ex=3600):
        return False
    run_export(day)
    return True
