# expect: none
# fixed shape: the callback is registered on the alias whose block is open
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from ledger.models import Entry


def post_entry(account, amount):
    with transaction.atomic(using="ledger"):
        entry = Entry.objects.using("ledger").create(account=account, amount=amount)
        transaction.on_commit(
            partial(send_mail, "Entry posted", str(entry.pk), None, [account.email]), using="ledger"
        )
        entry.journal.using("ledger").create(kind="posted")
    return entry
