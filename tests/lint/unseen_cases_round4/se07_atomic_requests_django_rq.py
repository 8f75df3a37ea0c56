# expect: side-effect-in-transaction
# pattern: with ATOMIC_REQUESTS the view's INSERT commits only after the view returns, but
#          the export job is enqueued first; a fast worker finds no export row
# settings.py (same project):  DATABASES["default"]["ATOMIC_REQUESTS"] = True
import django_rq
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from exports.jobs import build_export
from exports.models import Export


@login_required
@require_POST
def request_export(request):
    export = Export.objects.create(owner=request.user, kind=request.POST["kind"])
    django_rq.enqueue(build_export, export.pk)  # expect-line
    return JsonResponse({"id": export.pk}, status=202)
