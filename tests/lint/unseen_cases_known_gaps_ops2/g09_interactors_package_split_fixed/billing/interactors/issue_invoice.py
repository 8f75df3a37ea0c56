from billing.models import Invoice


def issue_invoice(account, amount):
    return Invoice.objects.create(account=account, amount=amount, state="issued")
