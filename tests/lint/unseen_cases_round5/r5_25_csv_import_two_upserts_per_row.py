# expect: forgotten-transaction
# pattern: an import loop writes a customer and its address per row with no transaction;
#          a bad row in the middle leaves half the file imported and a customer without address
import csv

from customers.models import Address, Customer


def import_customers(path):
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            customer, _ = Customer.objects.update_or_create(  # expect-line
                external_id=row["id"], defaults={"name": row["name"]}
            )
            Address.objects.update_or_create(
                customer=customer, defaults={"street": row["street"], "city": row["city"]}
            )
