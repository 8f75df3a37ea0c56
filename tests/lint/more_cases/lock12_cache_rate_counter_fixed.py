# expect: none
# fixed shape for lock12: add() creates the counter once and incr() counts atomically
from django.core.cache import cache

MAX_ATTEMPTS = 5


def register_failed_login(username):
    key = f"login-failures:{username}"
    cache.add(key, 0, timeout=900)
    failures = cache.incr(key)
    return failures <= MAX_ATTEMPTS
