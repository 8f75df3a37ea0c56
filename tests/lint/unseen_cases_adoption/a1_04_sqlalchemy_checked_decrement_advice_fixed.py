# expect: none
# The check and the decrement are one UPDATE; a rowcount of 0 means the funds ran out.
from sqlalchemy import update
from sqlalchemy.orm import Session

from wallets.errors import InsufficientFunds
from wallets.models import Wallet


def pay(session: Session, wallet_id: int, amount: int) -> None:
    result = session.execute(
        update(Wallet).where(Wallet.id == wallet_id, Wallet.balance >= amount).values(balance=Wallet.balance - amount)
    )
    if result.rowcount == 0:
        raise InsufficientFunds(wallet_id)
    session.commit()
