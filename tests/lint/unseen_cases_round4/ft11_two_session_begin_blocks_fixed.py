# expect: none
# fixed shape: one `with Session.begin()` block writes both rows
from sqlalchemy.orm import sessionmaker

from tenants.db import engine
from tenants.models import Account, Membership

Session = sessionmaker(bind=engine)


def open_account(name: str, owner_id: int) -> int:
    with Session.begin() as session:
        account = Account(name=name)
        session.add(account)
        session.flush()
        session.add(Membership(account_id=account.id, user_id=owner_id, role="owner"))
        account_id = account.id
    return account_id
