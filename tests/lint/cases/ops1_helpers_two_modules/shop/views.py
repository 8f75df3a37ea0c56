# expect: side-effect-in-transaction
# pattern: the view's atomic block calls a service, which calls a mailer two modules away
from django.db import transaction

from shop.models import Order
from shop.services.orders import confirm


@transaction.atomic
def checkout(request, order_id):
    order = Order.objects.get(pk=order_id)
    order.status = "paid"
    order.save()
    confirm(order)  # via-indirection
