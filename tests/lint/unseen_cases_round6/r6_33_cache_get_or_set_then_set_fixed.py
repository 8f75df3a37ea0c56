# expect: none
# fixed shape: add() creates the key once and incr() counts atomically
from django.core.cache import cache
from django.http import HttpResponse


def throttled_export(request):
    key = f"exports:{request.user.pk}"
    cache.add(key, 0, timeout=3600)
    used = cache.incr(key)
    if used > 10:
        return HttpResponse(status=429)
    return HttpResponse("ok")
