# expect: none
# fixed shape: helpers only stage their writes; the caller's begin() block commits once
from sqlalchemy.orm import Session

from wallet.models import LedgerEntry, Wallet


def credit_wallet(session: Session, wallet_id: int, amount: int) -> None:
    wallet = session.get(Wallet, wallet_id, with_for_update=True)
    wallet.balance = Wallet.balance + amount


def add_ledger_entry(session: Session, wallet_id: int, amount: int) -> None:
    session.add(LedgerEntry(wallet_id=wallet_id, amount=amount))


def top_up(session: Session, wallet_id: int, amount: int) -> None:
    with session.begin():
        credit_wallet(session, wallet_id, amount)
        add_ledger_entry(session, wallet_id, amount)
