# expect: none
# fixed shape: before_flush only records the addresses; after_commit sends, and
#          after_rollback forgets them
from postmarker.core import PostmarkClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import Account

postmark = PostmarkClient(server_token="server-token")


@event.listens_for(Session, "before_flush")
def remember_new_accounts(session, flush_context, instances):
    pending = session.info.setdefault("welcome", [])
    pending.extend(obj.email for obj in session.new if isinstance(obj, Account))


@event.listens_for(Session, "after_commit")
def welcome_new_accounts(session):
    for email in session.info.pop("welcome", []):
        postmark.emails.send(
            From="hello@example.invalid",
            To=email,
            Subject="Welcome",
            TextBody="Your account is ready.",
        )


@event.listens_for(Session, "after_rollback")
def forget_new_accounts(session):
    session.info.pop("welcome", None)
