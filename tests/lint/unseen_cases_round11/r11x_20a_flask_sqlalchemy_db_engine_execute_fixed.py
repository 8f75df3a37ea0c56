# expect: none
# fixed shape: both statements run on one connection that engine.begin() commits once
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import insert, update

from billing.models import AccountMerge, Invoice

db = SQLAlchemy()


def merge_accounts(source_id: int, target_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(Invoice.__table__).where(Invoice.account_id == source_id).values(account_id=target_id)
        )
        connection.execute(insert(AccountMerge.__table__).values(source_id=source_id, target_id=target_id))
