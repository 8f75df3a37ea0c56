from credits.extensions import db
from credits.models import Account, Purchase


def buy(account_id, item, price):
    account = db.session.get(Account, account_id, with_for_update=True)
    account.spend(price)
    db.session.add(Purchase(account_id=account.id, item=item))
    db.session.commit()
