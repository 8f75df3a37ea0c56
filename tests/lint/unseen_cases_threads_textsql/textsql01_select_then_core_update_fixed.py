# expect: none
# fixed shape for textsql01: the database computes the new balance from its own value
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from bank.tables import accounts


def withdraw(session: Session, account_id: int, amount: int) -> None:
    with session.begin():
        balance = session.execute(text("SELECT balance FROM accounts WHERE id = :id"), {"id": account_id}).scalar_one()
        if balance < amount:
            raise ValueError("insufficient funds")
        session.execute(update(accounts).where(accounts.c.id == account_id).values(balance=accounts.c.balance - amount))
