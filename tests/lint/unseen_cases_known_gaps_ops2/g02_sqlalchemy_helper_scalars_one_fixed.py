# expect: none
# fixed shape for g02: the repository's query takes the row lock with with_for_update()
from sqlalchemy import select
from sqlalchemy.orm import Session

from wallets.models import Wallet


class WalletRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, wallet_id):
        return self.session.scalars(select(Wallet).where(Wallet.id == wallet_id).with_for_update()).one()


def credit(session: Session, wallet_id, amount):
    wallets = WalletRepository(session)
    with session.begin():
        wallet = wallets.get(wallet_id)
        wallet.balance = wallet.balance + amount
