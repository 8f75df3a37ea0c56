# expect: none
# fixed shape: the mapper event records the id on the session; after_commit posts
from slack_sdk.webhook import WebhookClient
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from app.models import Deployment

slack = WebhookClient("https://hooks.slack.example.invalid/services/T/B/X")


@event.listens_for(Deployment, "after_update")
def remember_rollback(mapper, connection, target):
    if target.state == "rolled_back":
        object_session(target).info.setdefault("rolled_back", []).append(target.id)


@event.listens_for(Session, "after_commit")
def announce_rollbacks(session):
    for deployment_id in session.info.pop("rolled_back", []):
        slack.send(text=f"Deployment {deployment_id} was rolled back")


@event.listens_for(Session, "after_rollback")
def forget_rollbacks(session):
    session.info.pop("rolled_back", None)
