# expect: side-effect-in-transaction
# pattern: the sync wraps its work in peewee's db.atomic() unless the caller already holds a
#          transaction, choosing the block in the with statement itself; the Mailgun call
#          inside it tells the customer about a plan that the failing usage insert rolls back.
from contextlib import nullcontext

import requests

from accounts.models import Account, UsageReset, db


def change_plan(account_id: int, plan: str, nested: bool = False) -> None:
    with (db.atomic() if not nested else nullcontext()):
        Account.update(plan=plan).where(Account.id == account_id).execute()
        requests.post(  # expect-line
            "https://api.mailgun.net/v3/example.com/messages",
            auth=("api", "key-example"),
            data={"to": f"account-{account_id}@example.com", "text": f"Your plan is now {plan}"},
            timeout=10,
        )
        UsageReset.create(account=account_id)
