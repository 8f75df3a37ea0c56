"""OPS207 reads get-or-create shapes through Django related managers as it reads ``Model.objects``."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

MODELS = """\
from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=40{tag_unique})


class Article(models.Model):
    tags = models.ManyToManyField(Tag, related_name="articles")


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.CharField(max_length=40)
    body = models.TextField()
{comment_meta}"""

COMMENT_UNIQUE = """
    class Meta:
        unique_together = [("article", "author")]
"""

TAG_ARTICLE = """\
from blog.models import Article


def tag_article(article: Article, name):
    tag, _ = article.tags.get_or_create(name=name)
    return tag
"""

COMMENT_BY_NAME = """\
def comment_once(article, author, body):
    comment, _ = article.comment_set.get_or_create(author=author, defaults={"body": body})
    return comment
"""

COMMENT_CHECK_THEN_CREATE = """\
def comment_once(article, author, body):
    if article.comment_set.filter(author=author).exists():
        return None
    return article.comment_set.create(author=author, body=body)
"""

NOT_A_MANAGER = """\
class Registry:
    def __init__(self, store):
        self.store = store

    def entry(self, key):
        item, _ = self.store.get_or_create(key=key)
        return item
"""


def _ops207(tmp_path: Path, code: str, tag_unique: str = "", comment_meta: str = "") -> list[Finding]:
    files = {
        "blog/__init__.py": "",
        "blog/models.py": MODELS.format(tag_unique=tag_unique, comment_meta=comment_meta),
        "blog/services.py": code,
    }
    root = write_project(tmp_path / "project", files)
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS207"]


def test_many_to_many_manager_unbacked(tmp_path: Path) -> None:
    findings = _ops207(tmp_path, TAG_ARTICLE)

    assert [f.line for f in findings] == [5]
    assert "looks up Tag by name," in findings[0].message


def test_many_to_many_manager_unique_target(tmp_path: Path) -> None:
    assert _ops207(tmp_path, TAG_ARTICLE, tag_unique=", unique=True") == []


@pytest.mark.parametrize("code", [COMMENT_BY_NAME, COMMENT_CHECK_THEN_CREATE], ids=["get_or_create", "exists_then_create"])
def test_reverse_manager_owner_named(tmp_path: Path, code: str) -> None:
    findings = _ops207(tmp_path, code)

    assert [f.line for f in findings] == [2]
    assert "Comment" in findings[0].message


def test_reverse_manager_lookup_includes_link(tmp_path: Path) -> None:
    findings = _ops207(tmp_path, COMMENT_BY_NAME)

    assert "looks up Comment by article, author," in findings[0].message
    assert _ops207(tmp_path / "unique", COMMENT_BY_NAME, comment_meta=COMMENT_UNIQUE) == []


def test_plain_attribute_not_manager(tmp_path: Path) -> None:
    assert _ops207(tmp_path, NOT_A_MANAGER) == []
