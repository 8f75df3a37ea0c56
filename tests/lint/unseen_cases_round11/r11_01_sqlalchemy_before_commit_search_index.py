# expect: side-effect-in-transaction
# pattern: a SQLAlchemy "before_commit" session listener writes to the search index. The
#          listener runs inside Session.commit() before the final flush and the COMMIT, so
#          a failing flush or COMMIT leaves the index with text the database never stored.
from elasticsearch import Elasticsearch
from sqlalchemy import event
from sqlalchemy.orm import Session

from wiki.db import SessionLocal
from wiki.models import Article

search = Elasticsearch("http://localhost:9200")


@event.listens_for(Session, "before_commit")
def index_changed_articles(session):
    for obj in session.dirty:
        if isinstance(obj, Article):
            search.index(index="articles", id=obj.id, document=obj.to_document())  # expect-line


def save_revision(article_id, title, body, editor_id):
    with SessionLocal() as session:
        article = session.get(Article, article_id)
        article.title = title
        article.body = body
        session.add(article.new_revision(editor_id))
        session.commit()  # via-indirection: before_commit runs here, before the COMMIT
