# expect: side-effect-in-transaction
import boto3
from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
sns = boto3.client("sns")


def announce_listing(listing_id: str) -> None:
    sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:listings", Message=listing_id)


def publish_listing(listing_id: str, seller_id: str) -> None:
    db = client.market
    with client.start_session() as session:
        with session.start_transaction():
            db.listings.update_one({"_id": listing_id}, {"$set": {"state": "live"}}, session=session)
            db.sellers.update_one({"_id": seller_id}, {"$inc": {"live": 1}}, session=session)
            announce_listing(listing_id)  # via-indirection
