# expect: side-effect-in-transaction
# pattern: the block runs on the "ledger" database, but on_commit() without using= registers
#          the callback on "default", which has no open block, so the e-mail is sent at once
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from ledger.models import Entry, Payout


def record_payout(payout_id):
    with transaction.atomic(using="ledger"):
        payout = Payout.objects.using("ledger").select_for_update().get(pk=payout_id)
        Entry.objects.using("ledger").create(account_id=payout.account_id, amount=-payout.amount)
        payout.state = Payout.PAID
        payout.save(using="ledger", update_fields=["state"])
        transaction.on_commit(  # expect-line: registered on "default", runs immediately
            partial(send_mail, "Payout sent", f"{payout.amount} is on its way.", None, [payout.email])
        )
    return payout
