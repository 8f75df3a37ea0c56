# expect: side-effect-in-transaction
from pymongo import MongoClient
from twilio.rest import Client as TwilioClient

mongo = MongoClient("mongodb://127.0.0.1:27017")
sms = TwilioClient("AC-test", "token")


def text_driver(phone, pickup):
    sms.messages.create(to=phone, from_="+15550100", body=f"New pickup at {pickup}")


def assign_ride(ride_id, driver):
    def assign(session):
        mongo.rides.rides.update_one(
            {"_id": ride_id, "driver": None},
            {"$set": {"driver": driver["_id"]}},
            session=session,
        )
        mongo.rides.drivers.update_one({"_id": driver["_id"]}, {"$set": {"busy": True}}, session=session)
        text_driver(driver["phone"], ride_id)  # via-indirection

    with mongo.start_session() as session:
        session.with_transaction(assign)
