# expect: none
# fixed shape for r9x_22a: INCR and EXPIRE NX run in one MULTI/EXEC
import redis

r = redis.Redis.from_url("redis://localhost:6379/0")

WINDOW_SECONDS = 900


def record_failed_login(username: str) -> int:
    key = f"login-failures:{username}"
    pipe = r.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS, nx=True)
    failures, _ = pipe.execute()
    return failures
