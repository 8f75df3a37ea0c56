# expect: none
# fixed shape: the merge is one transaction
from django.db import transaction

from crm.models import Customer, Note, Order


@transaction.atomic
def merge_customers(keep: Customer, duplicate: Customer):
    Order.objects.filter(customer=duplicate).update(customer=keep)
    Note.objects.filter(customer=duplicate).update(customer=keep)
    duplicate.delete()
    return keep
