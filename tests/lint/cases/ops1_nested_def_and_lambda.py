# expect: side-effect-in-transaction
# pattern: a nested def is only a definition, but calling it inside the block runs it there
from django.core.mail import send_mail
from django.db import transaction

from accounts.models import Account


def close_account(account_id):
    with transaction.atomic():
        account = Account.objects.get(pk=account_id)

        def tell_owner():
            send_mail("Closed", "Your account is closed.", None, [account.email])

        account.closed = True
        account.save()
        tell_owner()  # via-indirection
