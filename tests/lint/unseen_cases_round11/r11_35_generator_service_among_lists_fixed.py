# expect: none
# fixed shape: RefundsReport.rows() returns a list like its siblings
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

    def rows(self) -> list[dict]:
        refunds = Refund.objects.filter(created__date__gte=self.since)
        return [{"refund": refund.pk, "invoice": refund.invoice_id, "amount": refund.amount} for refund in refunds]
