# expect: side-effect-in-transaction
# pattern: a class attribute maps each return reason to a method, and the method picked for
#          "damaged" enqueues a Celery task while the @atomic method that dispatches is open
from django.db import transaction
from django.db.models import F

from returns.models import Item, ReturnRequest
from returns.tasks import order_replacement


class ReturnProcessor:
    def _restock(self, request):
        Item.objects.filter(pk=request.item_id).update(stock=F("stock") + request.quantity)

    def _replace(self, request):
        order_replacement.delay(request.pk)  # expect-line

    HANDLERS = {
        ReturnRequest.UNWANTED: _restock,
        ReturnRequest.DAMAGED: _replace,
    }

    @transaction.atomic
    def accept(self, request_id):
        request = ReturnRequest.objects.select_for_update().get(pk=request_id)
        request.status = ReturnRequest.ACCEPTED
        request.save(update_fields=["status"])
        self.HANDLERS[request.reason](self, request)  # via-indirection
