"""OPS101 for writes to a search engine's index: Elasticsearch, OpenSearch, Algolia,
Meilisearch, Typesense, django-elasticsearch-dsl's registry and django-haystack."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def ops101(tmp_path: Path, source: str, files: dict[str, str] | None = None) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source), files=files or {}), rules, tmp_path)


#: A client built at module level, and the write made through it inside ``atomic()``.
CLIENT_WRITES = {
    "elasticsearch index": ("from elasticsearch import Elasticsearch\nclient = Elasticsearch('http://es.invalid')", "client.index(index='a', id=row.pk, document={})"),
    "elasticsearch async update": ("from elasticsearch import AsyncElasticsearch\nclient = AsyncElasticsearch()", "client.update(index='a', id=row.pk, doc={})"),
    "elasticsearch index management": ("import elasticsearch\nclient = elasticsearch.Elasticsearch()", "client.indices.create(index='a')"),
    "elasticsearch bulk helper": ("from elasticsearch import helpers\nclient = None", "helpers.bulk(client, [row.pk])"),
    "opensearch delete": ("from opensearchpy import OpenSearch\nclient = OpenSearch(hosts=[])", "client.delete(index='a', id=row.pk)"),
    "opensearch bulk helper": ("from opensearchpy.helpers import bulk\nclient = None", "bulk(client, [row.pk])"),
    "algolia index object": ("from algoliasearch.search_client import SearchClient\nclient = SearchClient.create('app', 'key')", "client.init_index('rows').save_object({'objectID': row.pk})"),
    "algolia v4 client": ("from algoliasearch.search.client import SearchClientSync\nclient = SearchClientSync('app', 'key')", "client.save_object(index_name='rows', body={})"),
    "meilisearch documents": ("import meilisearch\nclient = meilisearch.Client('http://ms.invalid')", "client.index('rows').add_documents([{'id': row.pk}])"),
    "typesense subscripted collection": ("import typesense\nclient = typesense.Client({})", "client.collections['rows'].documents.upsert({'id': row.pk})"),
    "django-elasticsearch-dsl registry": ("from django_elasticsearch_dsl.registries import registry\nclient = None", "registry.update(row)"),
    "haystack unified index": (
        "from haystack import connections\nclient = None",
        "connections['default'].get_unified_index().get_index(type(row)).update_object(row)",
    ),
    "haystack backend remove": ("import haystack\nclient = None", "haystack.connections['default'].get_backend().remove(row)"),
    "haystack signal processor": ("from haystack import signal_processor\nclient = None", "signal_processor.handle_delete(type(row), row)"),
    "haystack realtime processor": (
        "from haystack.signals import RealtimeSignalProcessor\nfrom haystack import connections, connection_router\n"
        "client = RealtimeSignalProcessor(connections, connection_router)",
        "client.handle_save(type(row), row)",
    ),
}


@pytest.mark.parametrize("setup, write", CLIENT_WRITES.values(), ids=list(CLIENT_WRITES))
def test_search_write_in_atomic(tmp_path: Path, setup: str, write: str) -> None:
    source = f"from django.db import transaction\n{setup}\n\n\ndef publish(row):\n    with transaction.atomic():\n        row.save()\n        {write}\n"

    findings = ops101(tmp_path, source)

    assert [f.line for f in findings] == [source.count("\n")]
    assert "a search index write" in findings[0].message


#: Calls on the same clients that only read or configure, and are no side effect.
CLIENT_READS = {
    "elasticsearch search": ("from elasticsearch import Elasticsearch\nclient = Elasticsearch()", "client.search(index='a', query={})"),
    "elasticsearch refresh": ("from elasticsearch import Elasticsearch\nclient = Elasticsearch()", "client.indices.refresh(index='a')"),
    "meilisearch search": ("import meilisearch\nclient = meilisearch.Client('u')", "client.index('rows').search('q')"),
    "algolia search": ("from algoliasearch.search_client import SearchClient\nclient = SearchClient.create('a', 'k')", "client.init_index('rows').search('q')"),
    "typesense retrieve": ("import typesense\nclient = typesense.Client({})", "client.collections['rows'].documents['1'].retrieve()"),
    "haystack backend search": ("from haystack import connections\nclient = None", "connections['default'].get_backend().search('q')"),
    "haystack indexed models": ("from haystack import connections\nclient = None", "connections['default'].get_unified_index().get_indexed_models()"),
}


@pytest.mark.parametrize("setup, read", CLIENT_READS.values(), ids=list(CLIENT_READS))
def test_search_read_in_atomic(tmp_path: Path, setup: str, read: str) -> None:
    source = f"from django.db import transaction\n{setup}\n\n\ndef publish(row):\n    with transaction.atomic():\n        row.save()\n        {read}\n"

    assert ops101(tmp_path, source) == []


def test_search_write_in_receiver_of_another_module(tmp_path: Path) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/search.py": "from opensearchpy import OpenSearch\n\nsearch = OpenSearch(hosts=['search.invalid'])\n",
        "shop/signals.py": (
            "from django.db.models.signals import post_save\n"
            "from django.dispatch import receiver\n\n"
            "from shop.models import Product\n"
            "from shop.search import search\n\n\n"
            "@receiver(post_save, sender=Product)\n"
            "def reindex(sender, instance, **kwargs):\n"
            "    search.index(index='products', id=instance.pk, body={'name': instance.name})\n"
        ),
        "shop/models.py": "from django.db import models\n\n\nclass Product(models.Model):\n    name = models.CharField(max_length=20)\n",
    }
    source = """\
        from django.db import transaction

        from shop.models import Product


        def rename(product_id, name):
            with transaction.atomic():
                product = Product.objects.get(pk=product_id)
                product.name = name
                product.save()
        """

    findings = ops101(tmp_path, source, files)

    assert [f.line for f in findings] == [10]
    assert "opensearchpy.OpenSearch().index" in findings[0].message
    assert "search index write" in findings[0].message


def test_search_document_subclass_writes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        from django.db import transaction
        from django_elasticsearch_dsl import Document
        from elasticsearch_dsl import Document as SearchDocument

        from blog.models import Post


        class PostDocument(Document):
            class Index:
                name = "posts"


        class NoteDocument(SearchDocument):
            pass


        def publish(post, text):
            with transaction.atomic():
                post.save()
                PostDocument().update(post)
                note = NoteDocument(body=text)
                note.save()
        """,
    )

    assert [f.line for f in findings] == [20, 22]
    assert all("a search index write" in f.message for f in findings)


def test_model_named_document_not_search_write(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        from django.db import models, transaction


        class Document(models.Model):
            title = models.CharField(max_length=20)


        def rename(document, title):
            with transaction.atomic():
                document.title = title
                Document(title=title).save()
        """,
    )

    assert findings == []


def test_haystack_index_subclass_writes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        from django.db import transaction
        from haystack import indexes

        from blog.models import Post


        class PostIndex(indexes.SearchIndex, indexes.Indexable):
            text = indexes.CharField(document=True, use_template=True)

            def get_model(self):
                return Post


        class DraftIndex(PostIndex):
            pass


        def publish(post):
            with transaction.atomic():
                post.save()
                PostIndex().update_object(post)
                DraftIndex().remove_object(post)
                PostIndex().get_model()
            PostIndex().update_object(post)
        """,
    )

    assert [f.line for f in findings] == [21, 22]
    assert all("a search index write" in f.message for f in findings)
