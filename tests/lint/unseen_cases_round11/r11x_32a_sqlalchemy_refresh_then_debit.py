# expect: missing-lock
# pattern: session.refresh() reloads the wallet without FOR UPDATE, so a second request can
#          debit the same balance between the reload and the flush.
from sqlalchemy.orm import Session

from wallets.models import Wallet


def pay_from_wallet(session: Session, wallet_id: int, amount: int) -> None:
    wallet = session.get(Wallet, wallet_id)
    with session.begin():
        session.refresh(wallet)
        if wallet.balance < amount:
            raise ValueError("insufficient funds")
        wallet.balance -= amount  # expect-line
