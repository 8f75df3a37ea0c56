# expect: non-uniform-interface
# pattern: the export services are called and return the path of the CSV they wrote,
#          except ExportProducts, which writes the file in __enter__ and deletes it in
#          __exit__. It works only as "with ExportProducts(...) as path:", and a caller
#          that uses it like the others gets the service object instead of a path.
import csv
import tempfile
from pathlib import Path

from catalog.models import Customer, Order, Product


def write_csv(header: list[str], rows, prefix: str) -> Path:
    with tempfile.NamedTemporaryFile("w", newline="", suffix=".csv", prefix=prefix, delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return Path(handle.name)


class ExportOrders:
    def __init__(self, since):
        self.since = since

    def __call__(self) -> Path:
        orders = Order.objects.filter(created__gte=self.since).values_list("number", "total", "created")
        return write_csv(["number", "total", "created"], orders, "orders-")


class ExportCustomers:
    def __init__(self, country: str):
        self.country = country

    def __call__(self) -> Path:
        customers = Customer.objects.filter(country=self.country).values_list("email", "name")
        return write_csv(["email", "name"], customers, "customers-")


class ExportProducts:
    def __init__(self, category: str):
        self.category = category
        self.path = None

    def __enter__(self) -> Path:  # expect-line: the only service used through "with"
        products = Product.objects.filter(category=self.category).values_list("sku", "name", "price")
        self.path = write_csv(["sku", "name", "price"], products, "products-")
        return self.path

    def __exit__(self, exc_type, exc, tb):
        self.path.unlink(missing_ok=True)
        return False
