# expect: none
# fixed shape: collect the moves on flush, publish in the "after_commit" listener
import boto3
from sqlalchemy import event
from sqlalchemy.orm import Session

from inventory.models import StockMove

sns = boto3.client("sns")
TOPIC_ARN = "arn:aws:sns:eu-west-1:000000000000:stock"


@event.listens_for(Session, "after_flush")
def collect_stock_moves(session, flush_context):
    pending = session.info.setdefault("stock_moves", [])
    pending.extend(f"{obj.sku}:{obj.quantity}" for obj in session.new if isinstance(obj, StockMove))


@event.listens_for(Session, "after_commit")
def announce_stock_moves(session):
    for text in session.info.pop("stock_moves", []):
        sns.publish(TopicArn=TOPIC_ARN, Message=text)
