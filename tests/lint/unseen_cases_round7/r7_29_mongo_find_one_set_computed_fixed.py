# expect: none
"""Loyalty points of the shop's customers."""
from pymongo import MongoClient, ReturnDocument

db = MongoClient("mongodb://localhost:27017").shop


def add_loyalty_points(customer_id: str, points: int) -> int:
    customer = db.customers.find_one_and_update(
        {"_id": customer_id},
        {"$inc": {"points": points}},
        projection={"points": 1},
        return_document=ReturnDocument.AFTER,
    )
    return customer["points"]
