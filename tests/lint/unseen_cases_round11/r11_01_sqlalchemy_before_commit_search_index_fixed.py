# expect: none
# fixed shape: before_commit only collects the documents, after_commit sends them, and a
#              rollback drops them. The documents are built before the commit because an
#              after_commit listener cannot load expired attributes.
from elasticsearch import Elasticsearch
from sqlalchemy import event
from sqlalchemy.orm import Session

from wiki.db import SessionLocal
from wiki.models import Article

search = Elasticsearch("http://localhost:9200")


@event.listens_for(Session, "before_commit")
def collect_changed_articles(session):
    pending = session.info.setdefault("articles_to_index", [])
    pending.extend((obj.id, obj.to_document()) for obj in session.dirty if isinstance(obj, Article))


@event.listens_for(Session, "after_commit")
def index_committed_articles(session):
    for article_id, document in session.info.pop("articles_to_index", []):
        search.index(index="articles", id=article_id, document=document)


@event.listens_for(Session, "after_rollback")
def drop_uncommitted_articles(session):
    session.info.pop("articles_to_index", None)


def save_revision(article_id, title, body, editor_id):
    with SessionLocal() as session:
        article = session.get(Article, article_id)
        article.title = title
        article.body = body
        session.add(article.new_revision(editor_id))
        session.commit()
