# expect: none
# fixed shape: one bulk_update, a single statement
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from boards.models import Column


@require_POST
def reorder_columns(request, board_id):
    order = [int(pk) for pk in request.POST.getlist("column")]
    columns = {c.pk: c for c in Column.objects.filter(board_id=board_id, pk__in=order)}
    for position, pk in enumerate(order):
        columns[pk].position = position
    Column.objects.bulk_update(list(columns.values()), ["position"])
    return JsonResponse({"ok": True})
