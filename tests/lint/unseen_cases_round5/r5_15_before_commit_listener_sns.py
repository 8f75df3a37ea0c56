# expect: side-effect-in-transaction
# pattern: a session "before_commit" listener publishes to SNS; the COMMIT that follows can
#          still fail, so subscribers hear of changes that never land
import boto3
from sqlalchemy import event
from sqlalchemy.orm import Session

from inventory.models import StockMove

sns = boto3.client("sns")
TOPIC_ARN = "arn:aws:sns:eu-west-1:000000000000:stock"


@event.listens_for(Session, "before_commit")
def announce_stock_moves(session):
    moves = [obj for obj in session.new if isinstance(obj, StockMove)]
    for move in moves:
        sns.publish(TopicArn=TOPIC_ARN, Message=f"{move.sku}:{move.quantity}")  # expect-line
