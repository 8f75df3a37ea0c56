# expect: missing-lock
# pattern: a wallet row selected with session.scalar(select(...)), credited in Python
#          and committed; concurrent credits overwrite each other
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Wallet


def credit(session: Session, user_id, amount):
    wallet = session.scalar(select(Wallet).where(Wallet.user_id == user_id))  # expect-line
    wallet.balance = wallet.balance + amount  # expect-line
    session.commit()
    return wallet.balance
