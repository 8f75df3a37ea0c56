# expect: none
# fixed shape: the row is selected FOR UPDATE, so the second credit waits for the first
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Wallet


def credit(session: Session, user_id, amount):
    wallet = session.scalar(select(Wallet).where(Wallet.user_id == user_id).with_for_update())
    wallet.balance = wallet.balance + amount
    session.commit()
    return wallet.balance
