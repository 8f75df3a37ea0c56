# expect: none
# a nested def handed to on_commit, and a lambda, run only after the commit
from django.core.mail import send_mail
from django.db import transaction

from accounts.models import Account
from accounts.tasks import archive_account


def close_account(account_id):
    with transaction.atomic():
        account = Account.objects.get(pk=account_id)

        def tell_owner():
            send_mail("Closed", "Your account is closed.", None, [account.email])

        account.closed = True
        account.save()
        transaction.on_commit(tell_owner)
        transaction.on_commit(lambda: archive_account.delay(account.pk))
    send_mail("Closed", "An account was closed.", None, ["ops@example.invalid"])
