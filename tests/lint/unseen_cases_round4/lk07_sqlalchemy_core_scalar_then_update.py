# expect: missing-lock
# pattern: SQLAlchemy Core reads the balance with a scalar select, then writes back a value
#          computed in Python; two withdrawals both read the old balance and one is lost
from sqlalchemy import select, update

from ledger.tables import accounts


def withdraw(engine, account_id: int, amount: int) -> int:
    with engine.begin() as connection:
        balance = connection.execute(select(accounts.c.balance).where(accounts.c.id == account_id)).scalar_one()  # expect-line
        if balance < amount:
            raise ValueError(f"account {account_id} has less than {amount}")
        connection.execute(update(accounts).where(accounts.c.id == account_id).values(balance=balance - amount))
        return balance - amount
