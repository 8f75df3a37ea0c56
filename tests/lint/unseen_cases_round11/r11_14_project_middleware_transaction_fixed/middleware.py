from django.db import transaction

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TransactionPerRequestMiddleware:
    """Run each unsafe request in one transaction, committed after the view returns."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            return self.get_response(request)
