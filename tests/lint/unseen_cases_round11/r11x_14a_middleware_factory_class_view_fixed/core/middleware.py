from django.db import transaction


def atomic_writes(get_response):
    def middleware(request):
        if request.method in ("GET", "HEAD"):
            return get_response(request)
        with transaction.atomic():
            return get_response(request)

    return middleware
