# expect: missing-lock
# pattern: a Celery task loads a merchant account, asks the payment provider for its
#          status over HTTP, and saves the whole row. A payout limit that an admin changed
#          during the call is written back with the old value.
import requests
from celery import Celery

from merchants.models import MerchantAccount

app = Celery("merchants")


@app.task(bind=True, max_retries=3)
def sync_provider_status(self, account_id):
    account = MerchantAccount.objects.get(pk=account_id)  # expect-line
    response = requests.get(f"https://provider.example.com/accounts/{account.provider_id}", timeout=30)
    account.provider_status = response.json()["status"]
    account.save()
