# expect: forgotten-transaction
# pattern: the account and its owner membership are written in two separate
#          `with Session.begin()` blocks, so two transactions; a failing membership insert
#          leaves an account nobody can administer
from sqlalchemy.orm import sessionmaker

from tenants.db import engine
from tenants.models import Account, Membership

Session = sessionmaker(bind=engine)


def open_account(name: str, owner_id: int) -> int:
    with Session.begin() as session:  # expect-line
        account = Account(name=name)
        session.add(account)
        session.flush()
        account_id = account.id
    with Session.begin() as session:
        session.add(Membership(account_id=account_id, user_id=owner_id, role="owner"))
    return account_id
