from sqlalchemy import select

from credits.extensions import db
from credits.models import Account

MONTHLY_PLAN = 30


def renew(account_id):
    account = db.session.execute(select(Account).where(Account.id == account_id).with_for_update()).scalar_one()
    account.spend(MONTHLY_PLAN)
    db.session.commit()
