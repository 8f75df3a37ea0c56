# expect: missing-lock
# pattern: a login rate limit counted in Django's cache with get() and set(); two
#          requests read the same count and the limit lets more attempts through
from django.core.cache import cache

MAX_ATTEMPTS = 5


def register_failed_login(username):
    key = f"login-failures:{username}"
    failures = cache.get(key, 0)  # expect-line
    if failures >= MAX_ATTEMPTS:
        return False
    cache.set(key, failures + 1, timeout=900)
    return True
