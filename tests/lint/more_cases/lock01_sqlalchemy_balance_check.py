# expect: missing-lock
# pattern: SQLAlchemy row read, checked and debited in a session transaction without
#          with_for_update(); two withdrawals both pass the balance check
from sqlalchemy.orm import Session

from bank.models import Account


def withdraw(session: Session, account_id, amount):
    with session.begin():
        account = session.get(Account, account_id)
        if account.balance < amount:
            raise ValueError("insufficient funds")
        account.balance = account.balance - amount  # expect-line
