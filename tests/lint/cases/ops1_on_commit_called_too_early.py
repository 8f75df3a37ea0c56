# expect: side-effect-in-transaction
# pattern: on_commit() is handed the *result* of delay(): the task is sent right away
from django.db import transaction

from accounts.models import Customer
from accounts.tasks import welcome


def register(email):
    with transaction.atomic():
        customer = Customer.objects.create(email=email)
        transaction.on_commit(welcome.delay(customer.pk))  # expect-line
