# expect: none
# fixed shape: $inc increments on the server and returns the new document
from pymongo import MongoClient, ReturnDocument

client = MongoClient("mongodb://localhost:27017")
pages = client.analytics.pages


def record_view(slug: str) -> int:
    page = pages.find_one_and_update(
        {"slug": slug}, {"$inc": {"views": 1}}, return_document=ReturnDocument.AFTER
    )
    return page["views"]
