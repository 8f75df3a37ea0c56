# expect: missing-lock
# pattern: the wallet is loaded through db.session to validate the request, and the FOR
#          UPDATE query for the same id afterwards returns that same object without
#          refreshing it, so the top-up adds to the balance read before the lock.
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

from wallets.models import Wallet

db = SQLAlchemy()


def top_up(wallet_id: int, user_id: int, amount: int) -> int:
    wallet = db.session.get(Wallet, wallet_id)
    if wallet is None or wallet.user_id != user_id:
        raise LookupError(wallet_id)
    locked = db.session.execute(select(Wallet).filter_by(id=wallet_id).with_for_update()).scalar_one()
    locked.balance += amount  # expect-line
    db.session.commit()
    return locked.balance
