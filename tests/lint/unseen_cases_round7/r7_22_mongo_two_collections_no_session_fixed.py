# expect: none
from datetime import datetime, timezone

from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
db = client.library


def lend_book(book_id: str, reader_id: str) -> None:
    with client.start_session() as session:
        with session.start_transaction():
            db.books.update_one({"_id": book_id}, {"$set": {"lent_to": reader_id}}, session=session)
            db.loans.insert_one(
                {"book_id": book_id, "reader_id": reader_id, "since": datetime.now(timezone.utc)},
                session=session,
            )
