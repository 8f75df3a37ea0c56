# expect: non-uniform-interface
# pattern: in a services package whose functions return a model or a value and raise a
#          BillingError subclass, build_statement() returns an {"ok": ..., "error": ...}
#          envelope; callers that index the result as a Statement fail far from the cause
from datetime import date

from django.db.models import Sum

from billing.models import Account, Invoice
from billing.statements import Statement


def build_statement(account_id: int, start: date, end: date):  # expect-line
    if end < start:
        return {"ok": False, "error": "the statement period ends before it starts"}
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"ok": False, "error": f"account {account_id} not found"}
    invoices = Invoice.objects.filter(account=account, issued_on__range=(start, end))
    total = invoices.aggregate(total=Sum("total"))["total"] or 0
    return {"ok": True, "statement": Statement(account=account, start=start, end=end, invoices=list(invoices), total=total)}
