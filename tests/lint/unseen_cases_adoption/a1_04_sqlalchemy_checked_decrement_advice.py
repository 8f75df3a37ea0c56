# expect: missing-lock
# expect-message: update(Wallet).where(Wallet.id == wallet.id, Wallet.balance >= amount).values(balance=Wallet.balance - amount)
# SQLAlchemy: the balance is checked and then decremented on the loaded row, which the
# flush writes back. The remedy must keep the check in the UPDATE's WHERE clause.
from sqlalchemy.orm import Session

from wallets.errors import InsufficientFunds
from wallets.models import Wallet


def pay(session: Session, wallet_id: int, amount: int) -> None:
    wallet = session.get(Wallet, wallet_id)
    if wallet.balance < amount:
        raise InsufficientFunds(wallet_id)
    wallet.balance -= amount  # expect-line
    session.commit()
