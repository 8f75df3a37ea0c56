# expect: missing-lock
# pattern: the account is already in the session's identity map when the locking query
#          runs. SELECT ... FOR UPDATE takes the lock, but SQLAlchemy keeps the attributes
#          it loaded before unless populate_existing is set, so the balance changed here
#          is the one read without a lock, and a concurrent withdrawal is lost.
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.models import Account, Withdrawal


class InsufficientFunds(Exception):
    pass


def withdraw(session: Session, user_id: int, account_id: int, amount: int) -> Withdrawal:
    account = session.get(Account, account_id)
    if account is None or account.owner_id != user_id:
        raise PermissionError(f"user {user_id} does not own account {account_id}")
    locked = session.scalars(select(Account).where(Account.id == account_id).with_for_update()).one()
    if locked.balance < amount:
        raise InsufficientFunds(f"account {account_id} has less than {amount}")
    locked.balance -= amount  # expect-line
    withdrawal = Withdrawal(account_id=account_id, amount=amount)
    session.add(withdrawal)
    session.commit()
    return withdrawal
