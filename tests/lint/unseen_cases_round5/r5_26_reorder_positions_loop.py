# expect: forgotten-transaction
# pattern: a drag-and-drop reorder saves each row's new position in autocommit; a failure
#          in the middle leaves two rows with the same position
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from boards.models import Column


@require_POST
def reorder_columns(request, board_id):
    order = [int(pk) for pk in request.POST.getlist("column")]
    columns = {c.pk: c for c in Column.objects.filter(board_id=board_id, pk__in=order)}
    for position, pk in enumerate(order):
        column = columns[pk]
        column.position = position
        column.save(update_fields=["position"])  # expect-line
    return JsonResponse({"ok": True})
