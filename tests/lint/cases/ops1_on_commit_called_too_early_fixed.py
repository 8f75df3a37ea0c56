# expect: none
from django.db import transaction

from accounts.models import Customer
from accounts.tasks import welcome


def register(email):
    with transaction.atomic():
        customer = Customer.objects.create(email=email)
        transaction.on_commit(lambda: welcome.delay(customer.pk))
