# expect: none
# fixed shape for lock01: the row is locked until the transaction ends
from sqlalchemy.orm import Session

from bank.models import Account


def withdraw(session: Session, account_id, amount):
    with session.begin():
        account = session.get(Account, account_id, with_for_update=True)
        if account.balance < amount:
            raise ValueError("insufficient funds")
        account.balance = account.balance - amount
