# expect: none
# fixed shape for r10_20: both writes run in one multi-document transaction
from datetime import datetime, timezone

from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
db = client.shop


def checkout(cart_id, customer_id):
    with client.start_session() as session, session.start_transaction():
        cart = db.carts.find_one_and_delete({"_id": cart_id, "customer_id": customer_id}, session=session)
        if cart is None:
            raise LookupError(f"cart {cart_id} not found for customer {customer_id}")
        order = {"customer_id": customer_id, "items": cart["items"], "created_at": datetime.now(timezone.utc)}
        db.orders.insert_one(order, session=session)
    return order["_id"]
