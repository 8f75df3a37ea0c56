# expect: none
# fixed shape: one conditional UPDATE checks and debits, and RETURNING gives the new balance
from sqlalchemy import update

from ledger.tables import accounts


def withdraw(engine, account_id: int, amount: int) -> int:
    with engine.begin() as connection:
        statement = (
            update(accounts)
            .where(accounts.c.id == account_id, accounts.c.balance >= amount)
            .values(balance=accounts.c.balance - amount)
            .returning(accounts.c.balance)
        )
        balance = connection.execute(statement).scalar_one_or_none()
        if balance is None:
            raise ValueError(f"account {account_id} has less than {amount}")
        return balance
