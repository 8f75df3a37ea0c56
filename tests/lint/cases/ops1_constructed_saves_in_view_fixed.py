# expect: none
from django.db import transaction
from django.http import JsonResponse

from .models import Ledger, Transfer


def transfer(request):
    with transaction.atomic():
        source = Ledger.objects.get(pk=request.POST["source"])
        Transfer(source=source, amount=request.POST["amount"]).save()
        Ledger.objects.filter(pk=source.pk).update(pending=True)
    return JsonResponse({"ok": True})
