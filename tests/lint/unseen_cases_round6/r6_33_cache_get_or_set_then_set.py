# expect: missing-lock
# pattern: a rate counter read with cache.get_or_set() and written back with set();
#          parallel requests read the same count and all get through
from django.core.cache import cache
from django.http import HttpResponse


def throttled_export(request):
    key = f"exports:{request.user.pk}"
    used = cache.get_or_set(key, 0, timeout=3600)  # expect-line
    if used >= 10:
        return HttpResponse(status=429)
    cache.set(key, used + 1, timeout=3600)  # expect-line
    return HttpResponse("ok")
