# expect: forgotten-transaction
# pattern: two repository functions each commit the session they are given; the caller
#          runs them back to back, so a failed ledger entry leaves the wallet credited
from sqlalchemy.orm import Session

from wallet.models import LedgerEntry, Wallet


def credit_wallet(session: Session, wallet_id: int, amount: int) -> None:
    wallet = session.get(Wallet, wallet_id, with_for_update=True)
    wallet.balance = Wallet.balance + amount
    session.commit()


def add_ledger_entry(session: Session, wallet_id: int, amount: int) -> None:
    session.add(LedgerEntry(wallet_id=wallet_id, amount=amount))
    session.commit()


def top_up(session: Session, wallet_id: int, amount: int) -> None:
    credit_wallet(session, wallet_id, amount)  # expect-line
    add_ledger_entry(session, wallet_id, amount)
