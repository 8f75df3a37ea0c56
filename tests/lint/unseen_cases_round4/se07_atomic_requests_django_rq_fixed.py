# expect: none
# fixed shape: the view opts out of ATOMIC_REQUESTS, commits its own atomic() block and
#          enqueues after it
import django_rq
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from exports.jobs import build_export
from exports.models import Export


@login_required
@require_POST
@transaction.non_atomic_requests
def request_export(request):
    with transaction.atomic():
        export = Export.objects.create(owner=request.user, kind=request.POST["kind"])
    django_rq.enqueue(build_export, export.pk)
    return JsonResponse({"id": export.pk}, status=202)
