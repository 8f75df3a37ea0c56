from credits.extensions import db
from credits.models import Account

INACTIVITY_FEE = 5


def charge_inactivity_fee(account_id):
    account = db.session.query(Account).filter_by(id=account_id).one()
    account.spend(INACTIVITY_FEE)
    db.session.commit()
