# expect: missing-lock
# pattern: SQLAlchemy 2.0 session.get() reads the wallet without FOR UPDATE, so two
#          concurrent debits both see the old balance and one of them is lost
from sqlalchemy.orm import Session

from wallet.models import LedgerEntry, Wallet


class InsufficientFunds(Exception):
    pass


def debit(session: Session, wallet_id: int, amount_cents: int, reference: str) -> None:
    with session.begin():
        wallet = session.get(Wallet, wallet_id)
        if wallet.balance_cents < amount_cents:
            raise InsufficientFunds(f"wallet {wallet_id} has a balance below {amount_cents} cents")
        wallet.balance_cents -= amount_cents  # expect-line
        session.add(LedgerEntry(wallet_id=wallet_id, amount_cents=-amount_cents, reference=reference))
