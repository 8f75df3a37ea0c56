# expect: none
# fixed shape for lock03: one conditional update claims the payout, so only one run sends it
from celery import shared_task

from payouts.bank import send_transfer
from payouts.models import Payout


@shared_task
def send_payout(payout_id):
    claimed = Payout.objects.filter(pk=payout_id, state="approved").update(state="sent")
    if not claimed:
        return
    payout = Payout.objects.get(pk=payout_id)
    send_transfer(payout.iban, payout.amount, reference=f"payout-{payout.pk}")
