# expect: side-effect-in-transaction
# pattern: a before_flush listener on every Session mails new accounts through Postmark;
#          the flush runs inside the session's transaction, which may still roll back
from postmarker.core import PostmarkClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import Account

postmark = PostmarkClient(server_token="server-token")


@event.listens_for(Session, "before_flush")
def welcome_new_accounts(session, flush_context, instances):
    for obj in session.new:
        if isinstance(obj, Account):
            postmark.emails.send(  # expect-line
                From="hello@example.invalid",
                To=obj.email,
                Subject="Welcome",
                TextBody="Your account is ready.",
            )
