# expect: none
# fixed shape for r9x_07a: the "damaged" handler enqueues the task once the block commits
from functools import partial

from django.db import transaction
from django.db.models import F

from returns.models import Item, ReturnRequest
from returns.tasks import order_replacement


class ReturnProcessor:
    def _restock(self, request):
        Item.objects.filter(pk=request.item_id).update(stock=F("stock") + request.quantity)

    def _replace(self, request):
        transaction.on_commit(partial(order_replacement.delay, request.pk))

    HANDLERS = {
        ReturnRequest.UNWANTED: _restock,
        ReturnRequest.DAMAGED: _replace,
    }

    @transaction.atomic
    def accept(self, request_id):
        request = ReturnRequest.objects.select_for_update().get(pk=request_id)
        request.status = ReturnRequest.ACCEPTED
        request.save(update_fields=["status"])
        self.HANDLERS[request.reason](self, request)
