# expect: missing-lock
# pattern: a Celery task loads the payout with filter().first(), checks its state and
#          marks it sent; a retried delivery of the same task runs beside the first and
#          both pass the check, so the bank transfer goes out twice
from celery import shared_task

from payouts.bank import send_transfer
from payouts.models import Payout


@shared_task
def send_payout(payout_id):
    payout = Payout.objects.filter(pk=payout_id).first()  # expect-line
    if payout is None or payout.state != "approved":
        return
    payout.state = "sent"
    payout.save(update_fields=["state"])
    send_transfer(payout.iban, payout.amount, reference=f"payout-{payout.pk}")
