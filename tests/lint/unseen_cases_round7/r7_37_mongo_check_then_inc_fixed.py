# expect: none
from pymongo import MongoClient

db = MongoClient("mongodb://localhost:27017").events


class SoldOut(Exception):
    pass


def take_seats(event_id: str, seats: int) -> None:
    result = db.events.update_one(
        {"_id": event_id, "free_seats": {"$gte": seats}},
        {"$inc": {"free_seats": -seats}},
    )
    if result.matched_count == 0:
        raise SoldOut(event_id)
