# expect: missing-lock
from pymongo import MongoClient

db = MongoClient("mongodb://localhost:27017").events


class SoldOut(Exception):
    pass


def take_seats(event_id: str, seats: int) -> None:
    event = db.events.find_one({"_id": event_id})  # expect-line
    if event["free_seats"] < seats:
        raise SoldOut(event_id)
    db.events.update_one({"_id": event_id}, {"$inc": {"free_seats": -seats}})
