# expect: missing-lock
# pattern: a repository method loads the wallet with session.scalars(select(...)).one()
#          and returns it; the service credits it in Python inside session.begin()
from sqlalchemy import select
from sqlalchemy.orm import Session

from wallets.models import Wallet


class WalletRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, wallet_id):
        return self.session.scalars(select(Wallet).where(Wallet.id == wallet_id)).one()


def credit(session: Session, wallet_id, amount):
    wallets = WalletRepository(session)
    with session.begin():
        wallet = wallets.get(wallet_id)
        wallet.balance = wallet.balance + amount  # expect-line
