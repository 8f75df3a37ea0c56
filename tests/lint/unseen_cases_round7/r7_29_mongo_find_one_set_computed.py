# expect: missing-lock
"""Loyalty points of the shop's customers.

Points are added after each paid order; the returned total is shown on the
receipt.
"""

from pymongo import MongoClient

db = MongoClient("mongodb://localhost:27017").shop


def add_loyalty_points(customer_id: str, points: int) -> int:
    customer = db.customers.find_one({"_id": customer_id}, {"points": 1})  # expect-line
    total = customer["points"] + points
    db.customers.update_one({"_id": customer_id}, {"$set": {"points": total}})
    return total
