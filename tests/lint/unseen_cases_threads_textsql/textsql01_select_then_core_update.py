# expect: missing-lock
# pattern: the balance is read with text SQL, debited in Python and written back with a
#          Core update(); two withdrawals read the same balance and one debit is lost
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from bank.tables import accounts


def withdraw(session: Session, account_id: int, amount: int) -> None:
    with session.begin():
        balance = session.execute(text("SELECT balance FROM accounts WHERE id = :id"), {"id": account_id}).scalar_one()  # expect-line
        if balance < amount:
            raise ValueError("insufficient funds")
        new_balance = balance - amount
        session.execute(update(accounts).where(accounts.c.id == account_id).values(balance=new_balance))
