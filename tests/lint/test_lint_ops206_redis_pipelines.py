"""OPS206 counts a Redis write queued on a pipeline as a write on the client it belongs to."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

HEADER = """\
import redis
import redis.asyncio as aioredis

r = redis.Redis()
ar = aioredis.Redis()

"""

ASSIGNED_PIPELINE = """
def record(key):
    current = int(r.get(key) or 0)
    pipe = r.pipeline(transaction=True)
    pipe.set(key, current + 1)
    pipe.expire(key, 86400)
    pipe.execute()
"""

WITH_PIPELINE = """
def record(key):
    current = int(r.get(key) or 0)
    with r.pipeline() as pipe:
        pipe.set(key, current + 1)
        pipe.execute()
"""

CHAINED_PIPELINE = """
def record(key):
    current = int(r.get(key) or 0)
    r.pipeline().set(key, current + 1).expire(key, 60).execute()
"""

ASYNC_PIPELINE = """
async def record(key):
    current = int(await ar.get(key) or 0)
    async with ar.pipeline(transaction=True) as pipe:
        pipe.set(key, current + 1)
        await pipe.execute()
"""

HASH_FIELD = """
def award(user, points):
    current = int(r.hget("points", user) or 0)
    pipe = r.pipeline()
    pipe.hset("points", user, current + points)
    pipe.execute()
"""

GUARD = """
def run_once(day):
    if r.exists(day):
        return False
    pipe = r.pipeline()
    pipe.set(day, 1)
    pipe.execute()
    return True
"""

WATCHED = """
def record(key):
    with r.pipeline() as pipe:
        pipe.watch(key)
        current = int(pipe.get(key) or 0)
        pipe.multi()
        pipe.set(key, current + 1)
        pipe.execute()
"""

INCREMENTED = """
def record(key):
    pipe = r.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, 86400)
    count, _ = pipe.execute()
    return count
"""

OTHER_KEY = """
def remember(key):
    current = r.get(key)
    pipe = r.pipeline()
    pipe.set("previous:" + key, current)
    pipe.execute()
"""

OTHER_CLIENT = """
other = redis.Redis(db=2)


def copy(key):
    current = int(r.get(key) or 0)
    pipe = other.pipeline()
    pipe.set(key, current + 1)
    pipe.execute()
"""

TRANSACTION_CALLBACK = """
from redis.client import Pipeline


def record(key):
    def increment(pipe: Pipeline) -> None:
        current = int(pipe.get(key) or 0)
        pipe.multi()
        pipe.set(key, current + 1)

    r.transaction(increment, key)
"""


def _ops206(tmp_path: Path, body: str) -> list[Finding]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/counters.py": HEADER + body})
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS206"]


def test_assigned_pipeline_write_reported(tmp_path: Path) -> None:
    findings = _ops206(tmp_path, ASSIGNED_PIPELINE)

    assert [f.line for f in findings] == [9]
    assert "queued on a pipeline" in findings[0].message
    assert "watch()" in findings[0].message


def test_with_pipeline_write_reported(tmp_path: Path) -> None:
    assert [f.line for f in _ops206(tmp_path, WITH_PIPELINE)] == [9]


def test_chained_pipeline_write_reported(tmp_path: Path) -> None:
    assert [f.line for f in _ops206(tmp_path, CHAINED_PIPELINE)] == [9]


def test_async_pipeline_write_reported(tmp_path: Path) -> None:
    assert [f.line for f in _ops206(tmp_path, ASYNC_PIPELINE)] == [9]


def test_hash_field_pipeline_write_reported(tmp_path: Path) -> None:
    assert [f.line for f in _ops206(tmp_path, HASH_FIELD)] == [9]


def test_guard_then_pipeline_set_reported(tmp_path: Path) -> None:
    findings = _ops206(tmp_path, GUARD)

    assert [f.line for f in findings] == [9]
    assert "nx=True" in findings[0].message


def test_watched_pipeline_not_reported(tmp_path: Path) -> None:
    assert _ops206(tmp_path, WATCHED) == []


def test_incr_on_pipeline_not_reported(tmp_path: Path) -> None:
    assert _ops206(tmp_path, INCREMENTED) == []


def test_pipeline_write_of_other_key_not_reported(tmp_path: Path) -> None:
    assert _ops206(tmp_path, OTHER_KEY) == []


def test_pipeline_of_other_client_not_reported(tmp_path: Path) -> None:
    assert _ops206(tmp_path, OTHER_CLIENT) == []


def test_transaction_callback_pipeline_not_reported(tmp_path: Path) -> None:
    assert _ops206(tmp_path, TRANSACTION_CALLBACK) == []
