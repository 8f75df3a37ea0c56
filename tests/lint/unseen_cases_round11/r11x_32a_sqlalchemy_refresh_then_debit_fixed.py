# expect: none
# fixed shape: session.refresh(..., with_for_update=True) reloads the row with FOR UPDATE
from sqlalchemy.orm import Session

from wallets.models import Wallet


def pay_from_wallet(session: Session, wallet_id: int, amount: int) -> None:
    wallet = session.get(Wallet, wallet_id)
    with session.begin():
        session.refresh(wallet, with_for_update=True)
        if wallet.balance < amount:
            raise ValueError("insufficient funds")
        wallet.balance -= amount
