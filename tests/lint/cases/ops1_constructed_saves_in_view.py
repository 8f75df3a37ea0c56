# expect: forgotten-transaction
# pattern: two rows built and saved one after the other in a view without ATOMIC_REQUESTS
from django.http import JsonResponse

from .models import Ledger, Transfer


def transfer(request):
    source = Ledger.objects.get(pk=request.POST["source"])
    Transfer(source=source, amount=request.POST["amount"]).save()  # expect-line
    Ledger.objects.filter(pk=source.pk).update(pending=True)
    return JsonResponse({"ok": True})
