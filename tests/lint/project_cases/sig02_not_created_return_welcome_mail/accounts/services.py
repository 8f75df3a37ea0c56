# expect: side-effect-in-transaction
# pattern: a post_save receiver returns early unless created, then mails the customer;
#          a signup inside atomic() reaches the mail, and updates of loaded rows do not
# expect-message: defer it in the receiver accounts.receivers.welcome_customer (accounts/receivers.py:9) with transaction.on_commit(...)
from django.db import transaction

from accounts.models import Customer


def sign_up(email, name):
    with transaction.atomic():
        customer = Customer(email=email, name=name)
        customer.full_clean()
        customer.save()  # via-indirection
        return customer


def import_customer(email, name):
    with transaction.atomic():
        customer, _ = Customer.objects.get_or_create(email=email, defaults={"name": name})  # via-indirection
        return customer


def rename(customer_id, name):
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        customer.name = name
        customer.save()


def deactivate(email):
    with transaction.atomic():
        customer = Customer.objects.filter(email=email).first()
        customer.active = False
        customer.save()
