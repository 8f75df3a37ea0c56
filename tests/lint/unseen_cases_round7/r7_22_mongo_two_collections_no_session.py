# expect: forgotten-transaction
"""Loans of the lending desk.

A book document records who holds it, and the loans collection keeps the history.
"""
from datetime import datetime, timezone

from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017/?replicaSet=rs0")
db = client.library


def lend_book(book_id: str, reader_id: str) -> None:
    db.books.update_one({"_id": book_id}, {"$set": {"lent_to": reader_id}})  # expect-line
    db.loans.insert_one(
        {"book_id": book_id, "reader_id": reader_id, "since": datetime.now(timezone.utc)}
    )
