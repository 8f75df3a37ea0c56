# expect: forgotten-transaction
# pattern: the cart is removed and the order inserted with two separate pymongo writes, so
#          a crash between them loses the cart without creating an order. MongoDB 4.0+
#          replica sets can run both in one transaction, but this code does not ask for it.
from datetime import datetime, timezone

from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
db = client.shop


def checkout(cart_id, customer_id):
    cart = db.carts.find_one_and_delete({"_id": cart_id, "customer_id": customer_id})  # expect-line
    if cart is None:
        raise LookupError(f"cart {cart_id} not found for customer {customer_id}")
    order = {"customer_id": customer_id, "items": cart["items"], "created_at": datetime.now(timezone.utc)}
    db.orders.insert_one(order)
    return order["_id"]
