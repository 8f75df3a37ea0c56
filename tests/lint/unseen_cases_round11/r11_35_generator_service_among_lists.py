# expect: non-uniform-interface
# pattern: every report service's rows() returns a list except one that yields. Calling it
#          returns a generator and runs no query yet, so the export job marks the report
#          as exported before any row is read, and a second pass over the rows is empty.
from collections.abc import Iterator
from datetime import date

from django.db.models import Sum

from billing.models import Customer, Invoice, Refund


class OverdueInvoicesReport:
    def __init__(self, today: date):
        self.today = today

    def rows(self) -> list[dict]:
        overdue = Invoice.objects.filter(due_date__lt=self.today, paid=False).select_related("customer")
        return [{"invoice": invoice.number, "customer": invoice.customer.name, "due": invoice.due_date} for invoice in overdue]


class TopCustomersReport:
    def __init__(self, limit: int):
        self.limit = limit

    def rows(self) -> list[dict]:
        ranked = Customer.objects.annotate(revenue=Sum("invoices__total")).order_by("-revenue")[: self.limit]
        return [{"customer": customer.name, "revenue": customer.revenue} for customer in ranked]


class RefundsReport:
    def __init__(self, since: date):
        self.since = since

    def rows(self) -> Iterator[dict]:  # expect-line: a generator among list-returning siblings
        for refund in Refund.objects.filter(created__date__gte=self.since).iterator():
            yield {"refund": refund.pk, "invoice": refund.invoice_id, "amount": refund.amount}
