# expect: side-effect-in-transaction
# pattern: an after_update mapper event posts to Slack through slack_sdk's WebhookClient;
#          the flush that fires it runs inside a transaction that may roll back
from slack_sdk.webhook import WebhookClient
from sqlalchemy import event

from app.models import Deployment

slack = WebhookClient("https://hooks.slack.example.invalid/services/T/B/X")


@event.listens_for(Deployment, "after_update")
def announce_rollback(mapper, connection, target):
    if target.state == "rolled_back":
        slack.send(text=f"Deployment {target.id} was rolled back")  # expect-line
