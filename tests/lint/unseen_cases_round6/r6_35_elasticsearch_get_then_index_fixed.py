# expect: none
# fixed shape: the write is conditional on the sequence number read (optimistic
#          concurrency control); a conflict retries from a fresh read
from elasticsearch import ConflictError, Elasticsearch

es = Elasticsearch("http://localhost:9200")


def add_tag(doc_id, tag, attempts=5):
    for _ in range(attempts):
        doc = es.get(index="articles", id=doc_id)
        source = doc["_source"]
        source.setdefault("tags", []).append(tag)
        try:
            es.index(
                index="articles",
                id=doc_id,
                document=source,
                if_seq_no=doc["_seq_no"],
                if_primary_term=doc["_primary_term"],
            )
            return
        except ConflictError:
            continue
    raise RuntimeError(f"article {doc_id} changed {attempts} times while tagging")
