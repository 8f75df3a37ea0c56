# expect: none
# fixed shape for r10_25: the wallet row is locked until the transaction ends
from sqlalchemy.orm import Session

from wallet.models import LedgerEntry, Wallet


class InsufficientFunds(Exception):
    pass


def debit(session: Session, wallet_id: int, amount_cents: int, reference: str) -> None:
    with session.begin():
        wallet = session.get(Wallet, wallet_id, with_for_update=True)
        if wallet.balance_cents < amount_cents:
            raise InsufficientFunds(f"wallet {wallet_id} has a balance below {amount_cents} cents")
        wallet.balance_cents -= amount_cents
        session.add(LedgerEntry(wallet_id=wallet_id, amount_cents=-amount_cents, reference=reference))
