"""OPS102 on Redis commands that write one record one by one, outside MULTI/EXEC."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]


def _ops102(tmp_path: Path, source: str, other: str = "") -> list[tuple[int, str]]:
    files = {"app/__init__.py": "", "app/store.py": source}
    if other:
        files["app/views.py"] = other
    root = write_project(tmp_path / "project", files)
    findings = lint_paths([root], use_cache=False).findings
    return [(f.line, f.message) for f in findings if f.code == "OPS102"]


REPORTED = {
    "async-client-session-and-index": (
        """\
        from redis.asyncio import Redis

        async def open_session(client: Redis, user_id, token, data):
            await client.hset(f"session:{token}", mapping=data)
            await client.expire(f"session:{token}", 3600)
            await client.sadd(f"user:{user_id}:sessions", token)
        """,
        4,
        "3 separate Redis commands",
    ),
    "set-then-expire": (
        """\
        import redis

        r = redis.Redis()

        def remember(code, email):
            r.set(f"verify:{code}", email)
            r.expire(f"verify:{code}", 900)
        """,
        6,
        "r.set() at line 6, r.expire() at line 7",
    ),
    "incr-then-expire": (
        """\
        import redis

        r = redis.Redis.from_url("redis://localhost")

        def hit(ip):
            key = f"rate:{ip}"
            count = r.incr(key)
            if count == 1:
                r.expire(key, 60)
            return count
        """,
        7,
        "2 separate Redis commands",
    ),
    "lock-then-expiry": (
        """\
        from redis import Redis

        def acquire(client: Redis, name):
            if client.setnx(f"lock:{name}", 1):
                client.expire(f"lock:{name}", 10)
                return True
            return False
        """,
        4,
        "client.setnx() at line 4, client.expire() at line 5",
    ),
    "pipeline-without-transaction": (
        """\
        from redis import Redis

        def save_job(client: Redis, job_id, fields):
            pipe = client.pipeline(transaction=False)
            pipe.hset(f"job:{job_id}", mapping=fields)
            pipe.sadd("jobs:pending", job_id)
            pipe.execute()
        """,
        5,
        "pipe.hset() at line 5, pipe.sadd() at line 6",
    ),
    "replace-under-local-key": (
        """\
        from redis import Redis

        def replace_cart(client: Redis, cart_id, items):
            key = f"cart:{cart_id}"
            client.delete(key)
            client.hset(key, mapping=items)
        """,
        5,
        "client.delete() at line 5",
    ),
    "attribute-client-record-and-queue": (
        """\
        class Jobs:
            def __init__(self, redis_client):
                self.redis = redis_client

            def submit(self, job):
                self.redis.hset(f"job:{job.id}", mapping=job.fields)
                self.redis.rpush("jobs", job.id)
        """,
        6,
        "self.redis.rpush() at line 7",
    ),
    "per-item-record-and-index": (
        """\
        from django_redis import get_redis_connection

        def index(items):
            conn = get_redis_connection("default")
            for item in items:
                conn.hset(f"item:{item.id}", mapping=item.fields)
                conn.sadd("items", item.id)
        """,
        6,
        "conn.sadd() at line 7",
    ),
}

NOT_REPORTED = {
    "one-command": """\
        from redis import Redis

        def remember(client: Redis, code, email):
            client.set(f"verify:{code}", email, ex=900)
        """,
    "with-pipeline": """\
        from redis import Redis

        def open_session(client: Redis, user_id, token, data):
            with client.pipeline() as pipe:
                pipe.hset(f"session:{token}", mapping=data)
                pipe.expire(f"session:{token}", 3600)
                pipe.sadd(f"user:{user_id}:sessions", token)
                pipe.execute()
        """,
    "chained-pipeline": """\
        from redis import Redis

        def remember(client: Redis, code, email):
            client.pipeline().set(f"verify:{code}", email).expire(f"verify:{code}", 900).execute()
        """,
    "pipeline-with-multi": """\
        from redis import Redis

        def remember(client: Redis, code, email):
            pipe = client.pipeline(transaction=False)
            pipe.multi()
            pipe.set(f"verify:{code}", email)
            pipe.expire(f"verify:{code}", 900)
            pipe.execute()
        """,
    "transaction-callback": """\
        from redis import Redis

        def move(client: Redis, source, target):
            def step(pipe):
                value = pipe.get(source)
                pipe.multi()
                pipe.set(target, value)
                pipe.delete(source)
            client.transaction(step, source)
        """,
    "cache-entry-and-view-count": """\
        from redis import Redis

        def show(client: Redis, slug, html):
            client.set(f"page:{slug}", html, ex=300)
            client.incr(f"views:{slug}")
        """,
    "cached-parts-of-one-user": """\
        from redis import Redis

        def warm(client: Redis, user):
            client.setex(f"user:{user.id}:profile", 300, user.profile_json)
            client.setex(f"user:{user.id}:avatar", 300, user.avatar_url)
        """,
    "initial-value-then-counters": """\
        from redis import asyncio as aioredis

        redis_client = aioredis.from_url("redis://localhost:6379/7")

        async def charge_quota(api_key, cost):
            key = f"quota:{api_key}"
            await redis_client.set(key, 1000, nx=True)
            remaining = await redis_client.decrby(key, cost)
            if remaining < 0:
                await redis_client.incrby(key, cost)
                raise ValueError(api_key)
        """,
    "push-then-trim": """\
        from redis import Redis

        def remember_visit(client: Redis, user_id, page):
            client.lpush(f"recent:{user_id}", page)
            client.ltrim(f"recent:{user_id}", 0, 49)
        """,
    "independent-keys": """\
        from redis import Redis

        def sign_up(client: Redis, user_id, name, now):
            client.set(f"user:{user_id}:name", name)
            client.set("last_signup", now)
        """,
    "deletes-only": """\
        from redis import Redis

        def log_out(client: Redis, user_id, token):
            client.delete(f"session:{token}")
            client.srem(f"user:{user_id}:sessions", token)
        """,
    "if-arms": """\
        from redis import Redis

        def store(client: Redis, key, value):
            if value is None:
                client.delete(key)
            else:
                client.set(key, value)
        """,
    "cleanup-in-handler": """\
        from redis import Redis

        def store(client: Redis, key, value, check):
            try:
                client.set(key, value)
                check(value)
            except ValueError:
                client.delete(key)
                raise
        """,
    "project-store-methods": """\
        class RedisStore:
            def __init__(self, client):
                self.client = client

            def set(self, key, value, ttl):
                self.client.set(key, value, ex=ttl)

            def sadd(self, key, member):
                self.client.sadd(key, member)

        def open_session(redis_store: RedisStore, user_id, token, data):
            redis_store.set(f"session:{token}", data, 3600)
            redis_store.sadd(f"user:{user_id}:sessions", token)
        """,
    "django-cache": """\
        from django.core.cache import cache

        def warm(user):
            cache.set(f"user:{user.id}:name", user.name)
            cache.set(f"user:{user.id}:email", user.email)
        """,
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_redis_record_writes_reported(tmp_path: Path, name: str) -> None:
    source, line, listed = REPORTED[name]
    findings = _ops102(tmp_path, source)
    assert [found_line for found_line, _ in findings] == [line]
    assert listed in findings[0][1]
    assert "pipeline(transaction=True)" in findings[0][1]


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_redis_writes_not_reported(tmp_path: Path, name: str) -> None:
    assert _ops102(tmp_path, NOT_REPORTED[name]) == []


def test_redis_client_given_pipeline_by_caller(tmp_path: Path) -> None:
    source = """\
        from redis import Redis

        def open_session(client: Redis, user_id, token, data):
            client.hset(f"session:{token}", mapping=data)
            client.sadd(f"user:{user_id}:sessions", token)
        """
    caller = """\
        from redis import Redis
        from app.store import open_session

        def log_in(client: Redis, user_id, token, data):
            with client.pipeline() as pipe:
                open_session(pipe, user_id, token, data)
                pipe.execute()
        """
    assert _ops102(tmp_path, source, caller) == []


def test_redis_test_module_skipped(tmp_path: Path) -> None:
    source = """\
        from redis import Redis

        def test_open_session(client: Redis):
            client.hset("session:1", mapping={"user": 1})
            client.expire("session:1", 60)
        """
    root = write_project(tmp_path / "project", {"tests/__init__.py": "", "tests/test_sessions.py": source})
    assert [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS102"] == []
