"""Read-modify-write, insert and transaction shapes beyond the basic ones of each rule.

OPS206: Redis command pairs other than GET/SET, Django's ``get_or_set()`` and search
engine documents. OPS202/OPS201: optimistic locking with a version column. OPS207:
``get_or_create()`` without a unique constraint and quotas counted through a related
manager. OPS102: AUTOCOMMIT connections and related-manager ``update()``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tests_lint_support import write_project  # type: ignore[import-not-found]

from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def lint(tmp_path: Path, code: str, source: str, files: dict[str, str] | None = None) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == code]
    return lint_example(Example(textwrap.dedent(source), files=files or {}), rules, tmp_path)


REDIS = "import redis\n\nr = redis.Redis()\n\n\n"

#: Redis reads written back with a value computed from them: (function body, line of the read).
REDIS_WRITE_BACKS = {
    "zscore then zadd": "def f(player, n):\n    score = r.zscore('board', player) or 0\n    r.zadd('board', {player: score + n})\n",
    "hget then hset": "def f(user, n):\n    points = int(r.hget('points', user) or 0)\n    r.hset('points', user, points + n)\n",
    "lrange then rpush": "def f(key, item):\n    items = r.lrange(key, 0, -1)\n    items.append(item)\n    r.delete(key)\n    r.rpush(key, *items)\n",
    "lindex then lset": "def f(key, n):\n    head = int(r.lindex(key, 0))\n    r.lset(key, 0, head + n)\n",
    "smembers then sadd": "def f(key):\n    members = r.smembers(key)\n    r.sadd(key, f'seat-{len(members) + 1}')\n",
    "get then setex": "def f(key):\n    hits = int(r.get(key) or 0)\n    r.setex(key, 60, hits + 1)\n",
    "get then psetex": "def f(key):\n    hits = int(r.get(key) or 0)\n    r.psetex(key, 60000, hits + 1)\n",
}


@pytest.mark.parametrize("body", REDIS_WRITE_BACKS.values(), ids=list(REDIS_WRITE_BACKS))
def test_redis_pair_written_back(tmp_path: Path, body: str) -> None:
    findings = lint(tmp_path, "OPS206", REDIS + body)

    assert [f.line for f in findings] == [7]
    assert findings[0].code == "OPS206"


#: Redis shapes that change the value atomically, or write another member or key.
REDIS_SAFE = {
    "zincrby": "def f(player, n):\n    return r.zincrby('board', n, player)\n",
    "zadd of another member": "def f(a, b):\n    score = r.zscore('board', a)\n    r.zadd('board', {b: score})\n",
    "watched pipeline": (
        "def f(key):\n    with r.pipeline() as pipe:\n        pipe.watch(key)\n        hits = int(pipe.get(key) or 0)\n"
        "        pipe.multi()\n        pipe.set(key, hits + 1)\n        pipe.execute()\n"
    ),
    "hincrby": "def f(user, n):\n    return r.hincrby('points', user, n)\n",
    "set union": "def f(key, wanted):\n    members = r.smembers(key)\n    missing = set(wanted) - members\n    r.sadd(key, *missing)\n",
}


@pytest.mark.parametrize("body", REDIS_SAFE.values(), ids=list(REDIS_SAFE))
def test_redis_atomic_shapes_pass(tmp_path: Path, body: str) -> None:
    assert lint(tmp_path, "OPS206", REDIS + body) == []


def test_cache_get_or_set_then_set(tmp_path: Path) -> None:
    source = """\
        from django.core.cache import cache


        def throttle(user):
            used = cache.get_or_set(f"n:{user.pk}", 0, timeout=60)
            cache.set(f"n:{user.pk}", used + 1, timeout=60)
        """
    findings = lint(tmp_path, "OPS206", source)

    assert [f.line for f in findings] == [5]


SEARCH = "from elasticsearch import Elasticsearch\nfrom opensearchpy import OpenSearch\n\nes = Elasticsearch()\nos_client = OpenSearch()\n\n\n"

#: Search documents read and stored again: (function body, reported).
SEARCH_WRITE_BACKS = {
    "index whole source": ("def f(i, tag):\n    doc = es.get(index='a', id=i)\n    doc['_source']['tags'].append(tag)\n    es.index(index='a', id=i, document=doc['_source'])\n", True),
    "update with doc": ("def f(i, tag):\n    source = es.get_source(index='a', id=i)\n    source['tag'] = tag\n    es.update(index='a', id=i, doc=source)\n", True),
    "opensearch body": ("def f(i, n):\n    doc = os_client.get(index='a', id=i)\n    os_client.index(index='a', id=i, body={'n': doc['_source']['n'] + n})\n", True),
    "sequence number": (
        "def f(i, tag):\n    doc = es.get(index='a', id=i)\n    doc['_source']['tag'] = tag\n"
        "    es.index(index='a', id=i, document=doc['_source'], if_seq_no=doc['_seq_no'], if_primary_term=doc['_primary_term'])\n",
        False,
    ),
    "external version": (
        "def f(i, tag):\n    doc = os_client.get(index='a', id=i)\n"
        "    os_client.index(index='a', id=i, body=dict(doc['_source'], tag=tag), version=doc['_version'] + 1, version_type='external')\n",
        False,
    ),
    "another document": ("def f(i, j):\n    doc = es.get(index='a', id=i)\n    es.index(index='a', id=j, document=doc['_source'])\n", False),
}


@pytest.mark.parametrize("body, reported", SEARCH_WRITE_BACKS.values(), ids=list(SEARCH_WRITE_BACKS))
def test_search_document_written_back(tmp_path: Path, body: str, reported: bool) -> None:
    findings = lint(tmp_path, "OPS206", SEARCH + body)

    assert [f.line for f in findings] == ([9] if reported else [])
    if reported:
        assert "if_seq_no" in findings[0].message


SQLALCHEMY_MODEL = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int]
{extra}
"""

TAKE = """\
from sqlalchemy.orm import Session

from shop.models import Item


def take(session: Session, item_id, n):
    item = session.get(Item, item_id)
    item.quantity -= n
    session.commit()
"""


@pytest.mark.parametrize(
    "extra, reported",
    [
        ("", True),
        ("    version: Mapped[int]\n    __mapper_args__ = {'version_id_col': version}\n", False),
        ("    version: Mapped[int]\n    __mapper_args__ = {'eager_defaults': True}\n", True),
    ],
    ids=["no version column", "version_id_col", "other mapper args"],
)
def test_sqlalchemy_version_column(tmp_path: Path, extra: str, reported: bool) -> None:
    files = {"shop/__init__.py": "", "shop/models.py": SQLALCHEMY_MODEL.format(extra=extra)}
    findings = lint(tmp_path, "OPS202", TAKE, files)

    assert [f.line for f in findings] == ([8] if reported else [])


@pytest.mark.parametrize(
    "update, reported",
    [
        ("Item.objects.filter(pk=item.pk, version=item.version).update(quantity=item.quantity - n, version=item.version + 1)", False),
        ("Item.objects.filter(pk=item.pk, quantity=item.quantity).update(quantity=item.quantity - n)", False),
        ("Item.objects.filter(pk=item.pk, owner=item.owner).update(quantity=item.quantity - n)", True),
    ],
    ids=["version bumped", "compared value", "unrelated filter"],
)
def test_django_version_check(tmp_path: Path, update: str, reported: bool) -> None:
    source = (
        "def take(item_id, n):\n"
        "    item = Item.objects.get(pk=item_id)\n"
        "    if item.quantity < n:\n"
        "        raise ValueError('stock')\n"
        f"    rows = {update}\n"
        "    if not rows:\n"
        "        raise RuntimeError('changed')\n"
    )
    findings = lint(tmp_path, "OPS201", source)

    assert [f.line for f in findings] == ([2] if reported else [])


MODELS = """\
from django.db import models


class Follow(models.Model):
    follower = models.ForeignKey("auth.User", related_name="+", on_delete=models.CASCADE)
    followee = models.ForeignKey("auth.User", related_name="+", on_delete=models.CASCADE)
{meta}
"""

#: (Meta or field lines added to Follow, the get_or_create() call, reported)
GET_OR_CREATE = {
    "no constraint": ("", "Follow.objects.get_or_create(follower=a, followee=b)", True),
    "update_or_create": ("", "Follow.objects.update_or_create(follower=a, followee=b, defaults={})", True),
    "unique constraint": (
        "\n    class Meta:\n        constraints = [models.UniqueConstraint(fields=['follower', 'followee'], name='u')]\n",
        "Follow.objects.get_or_create(follower=a, followee=b)",
        False,
    ),
    "unique_together": ("\n    class Meta:\n        unique_together = ('follower', 'followee')\n", "Follow.objects.get_or_create(follower_id=a.pk, followee=b)", False),
    "constraint on fewer fields": (
        "\n    class Meta:\n        constraints = [models.UniqueConstraint(fields=['follower'], name='u')]\n",
        "Follow.objects.get_or_create(follower=a, followee=b)",
        False,
    ),
    "constraint on more fields": (
        "    kind = models.CharField(max_length=9)\n\n    class Meta:\n        unique_together = [('follower', 'followee', 'kind')]\n",
        "Follow.objects.get_or_create(follower=a, followee=b)",
        True,
    ),
    "unique field": ("    slug = models.SlugField(unique=True)\n", "Follow.objects.get_or_create(slug=a, defaults={'follower': b})", False),
    "filter joins the lookup": ("    slug = models.SlugField(unique=True)\n", "Follow.objects.filter(slug=a).get_or_create(followee=b)", False),
    "expression constraint": (
        "\n    class Meta:\n        constraints = [models.UniqueConstraint(Lower('follower'), name='u')]\n",
        "Follow.objects.get_or_create(follower=a, followee=b)",
        False,
    ),
}


@pytest.mark.parametrize("meta, call, reported", GET_OR_CREATE.values(), ids=list(GET_OR_CREATE))
def test_get_or_create_unique_constraint(tmp_path: Path, meta: str, call: str, reported: bool) -> None:
    files = {"social/__init__.py": "", "social/models.py": MODELS.format(meta=meta)}
    source = f"from social.models import Follow\n\n\ndef follow(a, b):\n    return {call}\n"
    findings = lint(tmp_path, "OPS207", source, files)

    assert [f.line for f in findings] == ([5] if reported else [])


def test_get_or_create_unknown_model_passes(tmp_path: Path) -> None:
    source = "from elsewhere.models import Follow\n\n\ndef follow(a, b):\n    return Follow.objects.get_or_create(follower=a, followee=b)\n"

    assert lint(tmp_path, "OPS207", source) == []


def test_get_or_create_external_base_passes(tmp_path: Path) -> None:
    files = {
        "social/__init__.py": "",
        "social/models.py": "from django_extensions.db.models import TimeStampedModel\n\n\nclass Follow(TimeStampedModel):\n    pass\n",
    }
    source = "from social.models import Follow\n\n\ndef follow(a, b):\n    return Follow.objects.get_or_create(follower=a, followee=b)\n"

    assert lint(tmp_path, "OPS207", source, files) == []


#: (function body, line reported or None)
RELATED_QUOTAS = {
    "len of all": ("    keys = account.keys.all()\n    if len(keys) >= account.limit:\n        raise ValueError\n    account.keys.create(label=label)\n", 2),
    "count inline": ("    if account.keys.count() >= account.limit:\n        raise ValueError\n    account.keys.create(label=label)\n", 2),
    "create for the owner": ("    if account.keys.filter(active=True).count() < account.limit:\n        Key.objects.create(account=account, label=label)\n", 2),
    "existence only": ("    if account.keys.count() == 0:\n        account.keys.create(label=label, primary=True)\n", None),
    "another manager": ("    if account.keys.count() >= account.limit:\n        raise ValueError\n    account.tokens.create(label=label)\n", None),
    "owner locked first": (
        "    account = Account.objects.select_for_update().get(pk=account.pk)\n"
        "    if account.keys.count() >= account.limit:\n        raise ValueError\n    account.keys.create(label=label)\n",
        None,
    ),
}


@pytest.mark.parametrize("body, line", RELATED_QUOTAS.values(), ids=list(RELATED_QUOTAS))
def test_related_manager_quota(tmp_path: Path, body: str, line: int | None) -> None:
    source = "def add_key(account, label):\n" + body
    findings = lint(tmp_path, "OPS207", source)

    assert [f.line for f in findings] == ([line] if line else [])


AUTOCOMMIT_HEADER = "from sqlalchemy import create_engine, insert, text\n\nfrom billing.tables import lines, invoices\n\n"

#: (module-level engine line, function body, reported)
AUTOCOMMIT = {
    "engine option": (
        "engine = create_engine('postgresql://db', isolation_level='AUTOCOMMIT')",
        "    with engine.connect() as conn:\n        conn.execute(insert(invoices))\n        conn.execute(insert(lines))\n",
        True,
    ),
    "engine copy": (
        "engine = create_engine('postgresql://db')\nautocommit = engine.execution_options(isolation_level='AUTOCOMMIT')",
        "    with autocommit.connect() as conn:\n        conn.execute(insert(invoices))\n        conn.execute(text('UPDATE totals SET n = n + 1'))\n",
        True,
    ),
    "connection option": (
        "engine = create_engine('postgresql://db')",
        "    conn = engine.connect()\n    conn.execution_options(isolation_level='AUTOCOMMIT')\n"
        "    conn.execute(insert(invoices))\n    conn.execute(insert(lines))\n",
        True,
    ),
    "inside begin": (
        "engine = create_engine('postgresql://db', isolation_level='AUTOCOMMIT')",
        "    with engine.connect() as conn:\n        with conn.begin():\n            conn.execute(insert(invoices))\n            conn.execute(insert(lines))\n",
        True,
    ),
    "one write": (
        "engine = create_engine('postgresql://db', isolation_level='AUTOCOMMIT')",
        "    with engine.connect() as conn:\n        conn.execute(insert(invoices))\n        conn.execute(text('SELECT 1'))\n",
        False,
    ),
    "default isolation": (
        "engine = create_engine('postgresql://db', isolation_level='SERIALIZABLE')",
        "    with engine.begin() as conn:\n        conn.execute(insert(invoices))\n        conn.execute(insert(lines))\n",
        False,
    ),
}


@pytest.mark.parametrize("engine, body, reported", AUTOCOMMIT.values(), ids=list(AUTOCOMMIT))
def test_autocommit_connection_writes(tmp_path: Path, engine: str, body: str, reported: bool) -> None:
    source = f"{AUTOCOMMIT_HEADER}{engine}\n\n\ndef store():\n{body}"
    findings = lint(tmp_path, "OPS102", source)

    assert len(findings) == (1 if reported else 0)
    if reported:
        assert "AUTOCOMMIT" in findings[0].message


THREADS = """\
from django.db import models


class Thread(models.Model):
    hidden = models.BooleanField(default=False)


class Post(models.Model):
    thread = models.ForeignKey(Thread, related_name="posts", on_delete=models.CASCADE)
    hidden = models.BooleanField(default=False)


class Tag(models.Model):
    posts = models.ManyToManyField(Post)
"""


@pytest.mark.parametrize(
    "second, reported",
    [
        ("thread.posts.update(hidden=True)", True),
        ("thread.posts.create(hidden=True)", True),
        ("thread.replies.update(hidden=True)", False),
    ],
    ids=["reverse update", "reverse create", "unknown attribute"],
)
def test_related_manager_write_counts(tmp_path: Path, second: str, reported: bool) -> None:
    files = {"forum/__init__.py": "", "forum/models.py": THREADS}
    source = f"from forum.models import Thread\n\n\ndef hide(thread: Thread):\n    thread.hidden = True\n    thread.save()\n    {second}\n"
    findings = lint(tmp_path, "OPS102", source, files)

    assert [f.line for f in findings] == ([6] if reported else [])


def test_constraint_added_elsewhere_refreshes_cache(tmp_path: Path) -> None:
    """The cached OPS207 finding of a view goes once the models module adds the constraint."""
    view = "from social.models import Follow\n\n\ndef follow(a, b):\n    return Follow.objects.get_or_create(follower=a, followee=b)\n"
    root = write_project(tmp_path, {"social/__init__.py": "", "social/models.py": MODELS.format(meta=""), "social/views.py": view})
    first = [f for f in lint_paths([root]).findings if f.code == "OPS207"]

    (root / "social/models.py").write_text(MODELS.format(meta="\n    class Meta:\n        unique_together = ('follower', 'followee')\n"))
    second = [f for f in lint_paths([root]).findings if f.code == "OPS207"]

    assert [f.line for f in first] == [5]
    assert second == []


def test_model_method_related_update(tmp_path: Path) -> None:
    source = """\
        from django.db import models


        class Thread(models.Model):
            hidden = models.BooleanField(default=False)

            def hide(self):
                self.hidden = True
                self.save()
                self.posts.update(hidden=True)


        class Post(models.Model):
            thread = models.ForeignKey(Thread, related_name="posts", on_delete=models.CASCADE)
            hidden = models.BooleanField(default=False)
        """
    findings = lint(tmp_path, "OPS102", source)

    assert [f.line for f in findings] == [9]


def test_user_reverse_manager_update(tmp_path: Path) -> None:
    source = """\
        from django.db import models


        class Comment(models.Model):
            author = models.ForeignKey("auth.User", on_delete=models.CASCADE, null=True)


        def deactivate(user):
            user.is_active = False
            user.save()
            user.comment_set.update(author=None)
        """
    findings = lint(tmp_path, "OPS102", source)

    assert [f.line for f in findings] == [10]
