# expect: none
# The view is exempted from both databases, so the create commits before the task is sent.
from django.db import transaction
from django.http import JsonResponse

from ledger.models import Entry
from ledger.tasks import reconcile


@transaction.non_atomic_requests
@transaction.non_atomic_requests(using="ledger")
def record_entry(request):
    entry = Entry.objects.using("ledger").create(amount=request.POST["amount"])
    reconcile.delay(entry.pk)
    return JsonResponse({"id": entry.pk})
