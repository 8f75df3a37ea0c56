# expect: side-effect-in-transaction
# pattern: sessionmaker.begin() block calls a repository method that creates a Stripe
#          customer; the call is hidden one hop away and the local insert may still fail
import stripe
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from accounts.models import Account

SessionLocal = sessionmaker(bind=create_engine("postgresql://acct@db/acct"))


class BillingRepository:
    def ensure_customer(self, account):
        customer = stripe.Customer.create(email=account.email, metadata={"account": account.id})  # expect-line
        account.stripe_customer_id = customer.id


def open_account(email: str) -> int:
    repository = BillingRepository()
    with SessionLocal.begin() as session:
        account = Account(email=email)
        session.add(account)
        session.flush()
        repository.ensure_customer(account)  # via-indirection
    return account.id
