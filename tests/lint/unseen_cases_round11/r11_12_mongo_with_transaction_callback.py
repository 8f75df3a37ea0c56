# expect: side-effect-in-transaction
# pattern: pymongo's ClientSession.with_transaction() runs the callback inside a
#          multi-document transaction and runs it again after a transient error. The
#          confirmation e-mail sent from the callback leaves before the commit, once per
#          attempt, and also when the commit fails.
import smtplib
from email.message import EmailMessage

from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
db = client.box_office


class SeatTaken(Exception):
    pass


def send_confirmation(address, booking_id):
    message = EmailMessage()
    message["From"] = "box-office@example.org"
    message["To"] = address
    message["Subject"] = "Your booking"
    message.set_content(f"Booking {booking_id} is confirmed.")
    with smtplib.SMTP("localhost", 25) as smtp:
        smtp.send_message(message)  # expect-line


def book_seats(event_id, seat_ids, customer):
    def place(session):
        result = db.seats.update_many(
            {"event_id": event_id, "_id": {"$in": seat_ids}, "holder": None},
            {"$set": {"holder": customer["_id"]}},
            session=session,
        )
        if result.modified_count != len(seat_ids):
            raise SeatTaken(f"some of seats {seat_ids} for event {event_id} are taken")
        booking_id = db.bookings.insert_one(
            {"event_id": event_id, "seat_ids": seat_ids, "customer_id": customer["_id"]},
            session=session,
        ).inserted_id
        send_confirmation(customer["email"], booking_id)  # via-indirection: runs inside the transaction
        return booking_id

    with client.start_session() as session:
        return session.with_transaction(place)
