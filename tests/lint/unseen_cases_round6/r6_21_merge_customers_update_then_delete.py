# expect: forgotten-transaction
# pattern: merging two customer records moves orders and notes, then deletes the
#          duplicate; a failure between leaves records split over both customers
from crm.models import Customer, Note, Order


def merge_customers(keep: Customer, duplicate: Customer):
    Order.objects.filter(customer=duplicate).update(customer=keep)  # expect-line
    Note.objects.filter(customer=duplicate).update(customer=keep)
    duplicate.delete()
    return keep
