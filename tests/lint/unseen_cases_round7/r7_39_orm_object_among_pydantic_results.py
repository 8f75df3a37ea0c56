# expect: non-uniform-interface
from pydantic import BaseModel
from sqlalchemy.orm import Session

from .models import Article


class ArticleOut(BaseModel):
    id: int
    title: str
    published: bool


class PublishArticle:
    def __init__(self, session: Session, article_id: int) -> None:
        self.session = session
        self.article_id = article_id

    def run(self) -> ArticleOut:
        article = self.session.get(Article, self.article_id)
        article.published = True
        return ArticleOut(id=article.id, title=article.title, published=True)


class RetractArticle:
    def __init__(self, session: Session, article_id: int) -> None:
        self.session = session
        self.article_id = article_id

    def run(self) -> ArticleOut:
        article = self.session.get(Article, self.article_id)
        article.published = False
        return ArticleOut(id=article.id, title=article.title, published=False)


class RenameArticle:
    def __init__(self, session: Session, article_id: int, title: str) -> None:
        self.session = session
        self.article_id = article_id
        self.title = title

    def run(self) -> dict:  # expect-line
        article = self.session.get(Article, self.article_id)
        article.title = self.title
        return {"id": article.id, "title": article.title, "published": article.published}
