# expect: none
# fixed shape: the Stripe customer is created after the account row commits, then stored
import stripe
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from accounts.models import Account

SessionLocal = sessionmaker(bind=create_engine("postgresql://acct@db/acct"))


class BillingRepository:
    def create_customer(self, email, account_id):
        return stripe.Customer.create(email=email, metadata={"account": account_id}).id


def open_account(email: str) -> int:
    repository = BillingRepository()
    with SessionLocal.begin() as session:
        account = Account(email=email)
        session.add(account)
        session.flush()
        account_id = account.id
    customer_id = repository.create_customer(email, account_id)
    with SessionLocal.begin() as session:
        session.get(Account, account_id).stripe_customer_id = customer_id
    return account_id
