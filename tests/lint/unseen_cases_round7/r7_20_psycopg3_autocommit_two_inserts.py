# expect: forgotten-transaction
import psycopg


def open_account(dsn: str, owner: str, opening_balance: int) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(  # expect-line
            "INSERT INTO accounts (owner, balance) VALUES (%s, %s) RETURNING id",
            (owner, opening_balance),
        ).fetchone()
        account_id = row[0]
        conn.execute(
            "INSERT INTO ledger (account_id, amount, memo) VALUES (%s, %s, 'opening')",
            (account_id, opening_balance),
        )
    return account_id
