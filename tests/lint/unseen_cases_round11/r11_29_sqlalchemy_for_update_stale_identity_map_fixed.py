# expect: none
# fixed shape: populate_existing makes the locking query overwrite the loaded attributes
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.models import Account, Withdrawal


class InsufficientFunds(Exception):
    pass


def withdraw(session: Session, user_id: int, account_id: int, amount: int) -> Withdrawal:
    account = session.get(Account, account_id)
    if account is None or account.owner_id != user_id:
        raise PermissionError(f"user {user_id} does not own account {account_id}")
    locking_query = select(Account).where(Account.id == account_id).with_for_update()
    locked = session.scalars(locking_query.execution_options(populate_existing=True)).one()
    if locked.balance < amount:
        raise InsufficientFunds(f"account {account_id} has less than {amount}")
    locked.balance -= amount
    withdrawal = Withdrawal(account_id=account_id, amount=amount)
    session.add(withdrawal)
    session.commit()
    return withdrawal
