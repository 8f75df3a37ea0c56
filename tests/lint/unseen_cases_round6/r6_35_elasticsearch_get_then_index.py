# expect: missing-lock
# pattern: a search document read with get(), changed in Python and written back whole
#          with index(); two concurrent taggers overwrite each other's tag
from elasticsearch import Elasticsearch

es = Elasticsearch("http://localhost:9200")


def add_tag(doc_id, tag):
    doc = es.get(index="articles", id=doc_id)  # expect-line
    source = doc["_source"]
    source.setdefault("tags", []).append(tag)
    es.index(index="articles", id=doc_id, document=source)  # expect-line
