# expect: none
# fixed shape for r8_38: build_statement() returns the Statement and raises BillingError
# subclasses like the other services of the package
from datetime import date

from django.db.models import Sum

from billing.models import Account, Invoice
from billing.services.errors import AccountNotFound, StatementPeriodInvalid
from billing.statements import Statement


def build_statement(account_id: int, start: date, end: date) -> Statement:
    if end < start:
        raise StatementPeriodInvalid(f"the statement period ends before it starts: {start} > {end}")
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise AccountNotFound(account_id)
    invoices = Invoice.objects.filter(account=account, issued_on__range=(start, end))
    total = invoices.aggregate(total=Sum("total"))["total"] or 0
    return Statement(account=account, start=start, end=end, invoices=list(invoices), total=total)
