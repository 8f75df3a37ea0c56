# expect: forgotten-transaction
# pattern: merging a duplicate customer moves its orders and addresses and then deletes
#          it, all in autocommit mode. A failure half-way leaves the history split
#          between two accounts
from crm.models import Address, Customer, Order


def merge_customers(keep: Customer, duplicate: Customer) -> Customer:
    Order.objects.filter(customer=duplicate).update(customer=keep)  # expect-line
    Address.objects.filter(customer=duplicate).update(customer=keep)
    duplicate.delete()
    return keep
