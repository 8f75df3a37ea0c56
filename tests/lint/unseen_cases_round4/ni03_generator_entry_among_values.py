# expect: non-uniform-interface
# pattern: report exporters write a CSV file and return its path, except one whose run()
#          yields progress; a caller that calls run() like the others gets a generator
#          back and no file is written
import csv
from pathlib import Path


class ExportOrders:
    def __init__(self, orders, directory: Path):
        self.orders = orders
        self.directory = directory

    def run(self):
        path = self.directory / "orders.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for order in self.orders:
                writer.writerow([order.pk, order.customer_id, order.total])
        return path


class ExportInvoices:
    def __init__(self, invoices, directory: Path):
        self.invoices = invoices
        self.directory = directory

    def run(self):
        path = self.directory / "invoices.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for invoice in self.invoices:
                writer.writerow([invoice.number, invoice.total, invoice.paid_at])
        return path


class ExportCustomers:
    def __init__(self, customers, directory: Path):
        self.customers = customers
        self.directory = directory

    def run(self):  # expect-line
        path = self.directory / "customers.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for number, customer in enumerate(self.customers, start=1):
                writer.writerow([customer.pk, customer.email, customer.name])
                yield number
