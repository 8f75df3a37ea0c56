# expect: none
# fixed shape for r9_18: the merge commits whole or not at all
from django.db import transaction

from crm.models import Address, Customer, Order


@transaction.atomic
def merge_customers(keep: Customer, duplicate: Customer) -> Customer:
    Order.objects.filter(customer=duplicate).update(customer=keep)
    Address.objects.filter(customer=duplicate).update(customer=keep)
    duplicate.delete()
    return keep
