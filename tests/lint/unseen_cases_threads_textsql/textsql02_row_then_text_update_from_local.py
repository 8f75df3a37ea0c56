# expect: missing-lock
# pattern: the row comes back through first(), its balance is copied into locals, and the
#          text UPDATE writes the local back; nothing holds the row in between
from sqlalchemy import text
from sqlalchemy.engine import Connection

READ_BALANCE = text("SELECT id, balance FROM wallets WHERE owner_id = :owner")


def top_up(connection: Connection, owner_id: int, amount: int) -> int:
    with connection.begin():
        result = connection.execute(READ_BALANCE, {"owner": owner_id})  # expect-line
        row = result.first()
        current = row.balance
        updated = current + amount
        connection.execute(text("UPDATE wallets SET balance = :balance WHERE id = :id"), {"balance": updated, "id": row.id})
    return updated
