# expect: forgotten-transaction
# pattern: one write here, one in a helper: two commits in autocommit mode
from inventory.models import Movement, Stock


def release(stock):
    stock.reserved = 0
    stock.save()


def cancel_reservation(stock, order):
    Movement.objects.create(stock=stock, order=order, quantity=-stock.reserved)  # expect-line
    release(stock)
