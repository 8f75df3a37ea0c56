# expect: none
# fixed shape: the mail goes out after the with statement, once the block has committed
from contextlib import nullcontext

import requests

from accounts.models import Account, UsageReset, db


def change_plan(account_id: int, plan: str, nested: bool = False) -> None:
    with (db.atomic() if not nested else nullcontext()):
        Account.update(plan=plan).where(Account.id == account_id).execute()
        UsageReset.create(account=account_id)
    requests.post(
        "https://api.mailgun.net/v3/example.com/messages",
        auth=("api", "key-example"),
        data={"to": f"account-{account_id}@example.com", "text": f"Your plan is now {plan}"},
        timeout=10,
    )
