# expect: side-effect-in-transaction
# pattern: on_commit() registered without using= inside an atomic block of another
#          database; the default connection has no open block, so the mail goes at once
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from ledger.models import Entry


def post_entry(account, amount):
    with transaction.atomic(using="ledger"):
        entry = Entry.objects.using("ledger").create(account=account, amount=amount)
        transaction.on_commit(partial(send_mail, "Entry posted", str(entry.pk), None, [account.email]))  # expect-line
        entry.journal.using("ledger").create(kind="posted")
    return entry
