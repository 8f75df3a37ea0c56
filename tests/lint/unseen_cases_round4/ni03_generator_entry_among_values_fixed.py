# expect: none
# fixed shape: every exporter returns the path and reports progress through an optional
#          callback
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
    def __init__(self, customers, directory: Path, on_progress=None):
        self.customers = customers
        self.directory = directory
        self.on_progress = on_progress

    def run(self):
        path = self.directory / "customers.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for number, customer in enumerate(self.customers, start=1):
                writer.writerow([customer.pk, customer.email, customer.name])
                if self.on_progress is not None:
                    self.on_progress(number)
        return path
