# expect: none
# fixed shape for sig02: the receiver defers its mail until the commit
from django.db import transaction

from accounts.models import Customer


def sign_up(email, name):
    with transaction.atomic():
        customer = Customer(email=email, name=name)
        customer.full_clean()
        customer.save()
        return customer


def import_customer(email, name):
    with transaction.atomic():
        customer, _ = Customer.objects.get_or_create(email=email, defaults={"name": name})
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
