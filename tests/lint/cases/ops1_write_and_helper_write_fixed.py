# expect: none
from django.db import transaction

from inventory.models import Movement, Stock


def release(stock):
    stock.reserved = 0
    stock.save()


def cancel_reservation(stock, order):
    with transaction.atomic():
        Movement.objects.create(stock=stock, order=order, quantity=-stock.reserved)
        release(stock)
