# expect: side-effect-in-transaction
# pattern: @atomic(durable=True) function posts through a module-level requests.Session;
#          durable guarantees an outermost block, not that the POST waits for it
import requests
from django.db import transaction

from payouts.models import Payout

http = requests.Session()
http.headers["Authorization"] = "Bearer placeholder"


@transaction.atomic(durable=True)
def schedule_payout(merchant, amount_cents):
    payout = Payout.objects.create(merchant=merchant, amount_cents=amount_cents, state="scheduled")
    http.post("https://bank.invalid/payouts", json={"ref": payout.pk, "amount": amount_cents}, timeout=15)  # expect-line
    merchant.balance_entries.create(amount_cents=-amount_cents, payout=payout)
    return payout
