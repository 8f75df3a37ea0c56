# expect: none
# fixed shape for r9_03: the callback is registered on the connection that holds the block
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
        transaction.on_commit(
            partial(send_mail, "Payout sent", f"{payout.amount} is on its way.", None, [payout.email]),
            using="ledger",
        )
    return payout
