# expect: side-effect-in-transaction
# A bare @non_atomic_requests exempts the view from the default database only. The
# ledger database still wraps it, so the task can run before the entry commits.
from django.db import transaction
from django.http import JsonResponse

from ledger.models import Entry
from ledger.tasks import reconcile


@transaction.non_atomic_requests
def record_entry(request):
    entry = Entry.objects.using("ledger").create(amount=request.POST["amount"])
    reconcile.delay(entry.pk)  # expect-line
    return JsonResponse({"id": entry.pk})
