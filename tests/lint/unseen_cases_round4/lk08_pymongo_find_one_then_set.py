# expect: missing-lock
# pattern: a MongoDB counter is read with find_one() and written back with $set; two
#          requests read the same count and one view is lost
from pymongo import MongoClient

client = MongoClient("mongodb://localhost:27017")
pages = client.analytics.pages


def record_view(slug: str) -> int:
    page = pages.find_one({"slug": slug})  # expect-line
    views = page["views"] + 1
    pages.update_one({"slug": slug}, {"$set": {"views": views}})
    return views
