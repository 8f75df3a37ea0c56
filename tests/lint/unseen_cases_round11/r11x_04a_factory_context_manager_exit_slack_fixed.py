# expect: none
# fixed shape: the announcement is made after session.begin() has committed
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from billing.models import Invoice, Subscription

slack = WebClient(token="xoxb-example")


class ChangeAnnouncement:
    def __init__(self, channel, text):
        self.channel = channel
        self.text = text

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            slack.chat_postMessage(channel=self.channel, text=self.text)
        return False


class PlanService:
    def __init__(self, session: Session):
        self.session = session

    def announce(self, text):
        return ChangeAnnouncement("#billing", text)

    def change_plan(self, subscription_id, plan):
        with self.announce(f"subscription {subscription_id} moved to {plan}"):
            with self.session.begin():
                subscription = self.session.get(Subscription, subscription_id, with_for_update=True)
                subscription.plan = plan
                self.session.add(Invoice(subscription_id=subscription_id, plan=plan))
