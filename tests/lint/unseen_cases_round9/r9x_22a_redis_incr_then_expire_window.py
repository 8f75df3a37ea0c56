# expect: forgotten-transaction
# pattern: a login throttle counts failures with INCR and starts the window with a second
#          command, so a worker killed between the two leaves a counter that never expires
#          and locks the account out for good
import redis

r = redis.Redis.from_url("redis://localhost:6379/0")

WINDOW_SECONDS = 900


def record_failed_login(username: str) -> int:
    key = f"login-failures:{username}"
    failures = r.incr(key)  # expect-line
    if failures == 1:
        r.expire(key, WINDOW_SECONDS)
    return failures
