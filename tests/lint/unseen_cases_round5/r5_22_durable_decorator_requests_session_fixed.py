# expect: none
# fixed shape: the bank call is deferred to the durable block's commit
from django.db import transaction

from payouts.models import Payout
from payouts.tasks import submit_payout


@transaction.atomic(durable=True)
def schedule_payout(merchant, amount_cents):
    payout = Payout.objects.create(merchant=merchant, amount_cents=amount_cents, state="scheduled")
    payout_id = payout.pk
    transaction.on_commit(lambda: submit_payout.delay(payout_id))
    merchant.balance_entries.create(amount_cents=-amount_cents, payout=payout)
    return payout
