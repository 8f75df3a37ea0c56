# expect: none
# fixed shape: the whole file is one transaction
import csv

from django.db import transaction

from customers.models import Address, Customer


def import_customers(path):
    with open(path, newline="") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            customer, _ = Customer.objects.update_or_create(
                external_id=row["id"], defaults={"name": row["name"]}
            )
            Address.objects.update_or_create(
                customer=customer, defaults={"street": row["street"], "city": row["city"]}
            )
