# expect: none
# fixed shape for r8_20: the customer and the subscription are written in one block
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Customer, Subscription


class AccountOpening:
    def __init__(self, session_factory: sessionmaker[Session]):
        self.session_factory = session_factory

    def open_account(self, email: str, plan: str) -> int:
        with self.session_factory.begin() as session:
            customer = Customer(email=email)
            session.add(customer)
            session.flush()
            customer_id = customer.id
            session.add(Subscription(customer_id=customer_id, plan=plan, status="trial"))
        return customer_id
