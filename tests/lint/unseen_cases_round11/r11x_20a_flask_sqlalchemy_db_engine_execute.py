# expect: forgotten-transaction
# pattern: Flask-SQLAlchemy 2.x's db.engine is a SQLAlchemy 1.x Engine, and each
#          db.engine.execute() commits its statement on its own connection. Moving the
#          invoices and recording the merge are two commits, so a failing insert leaves
#          invoices moved with no record of the merge.
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import insert, update

from billing.models import AccountMerge, Invoice

db = SQLAlchemy()


def merge_accounts(source_id: int, target_id: int) -> None:
    db.engine.execute(  # expect-line
        update(Invoice.__table__).where(Invoice.account_id == source_id).values(account_id=target_id)
    )
    db.engine.execute(insert(AccountMerge.__table__).values(source_id=source_id, target_id=target_id))
