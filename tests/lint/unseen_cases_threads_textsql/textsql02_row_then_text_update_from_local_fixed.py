# expect: none
# fixed shape for textsql02: the row is selected FOR UPDATE, so a second top-up waits
from sqlalchemy import text
from sqlalchemy.engine import Connection

READ_BALANCE = text("SELECT id, balance FROM wallets WHERE owner_id = :owner FOR UPDATE")


def top_up(connection: Connection, owner_id: int, amount: int) -> int:
    with connection.begin():
        result = connection.execute(READ_BALANCE, {"owner": owner_id})
        row = result.first()
        current = row.balance
        updated = current + amount
        connection.execute(text("UPDATE wallets SET balance = :balance WHERE id = :id"), {"balance": updated, "id": row.id})
    return updated
