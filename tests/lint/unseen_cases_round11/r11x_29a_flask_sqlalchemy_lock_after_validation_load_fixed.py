# expect: none
# fixed shape: populate_existing makes the locking query load the attributes again
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

from wallets.models import Wallet

db = SQLAlchemy()


def top_up(wallet_id: int, user_id: int, amount: int) -> int:
    wallet = db.session.get(Wallet, wallet_id)
    if wallet is None or wallet.user_id != user_id:
        raise LookupError(wallet_id)
    query = select(Wallet).filter_by(id=wallet_id).with_for_update().execution_options(populate_existing=True)
    locked = db.session.execute(query).scalar_one()
    locked.balance += amount
    db.session.commit()
    return locked.balance
