"""A lock backend that cannot be reached fails the call with ``lock_unavailable``, recorded and logged."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, SingletonDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks import LockUnavailable, open_lock_backend
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime


class CountInput(BaseModel):
    name: str


class CountOutput(BaseModel):
    name: str


def counting_handle(
    runtime: Runtime,
    *,
    singleton: bool = False,
    during_run: Callable[[], None] = lambda: None,
) -> OperationHandle[CountInput, CountOutput]:
    """Return a handle of ``counts.bump``, locked on its name or a singleton, bound to ``runtime``."""
    declaration = OperationDeclaration(
        "counts.bump", 1, "", CountInput, CountOutput,
        locks=() if singleton else (LockDeclaration("count:{name}", timeout=2.0),),
        singleton=SingletonDeclaration(key="counts") if singleton else None,
    )

    class Bump(Operation[CountInput, CountOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> CountOutput:
            during_run()
            return CountOutput(name=inputs["name"])

    Bump.declaration = declaration
    return OperationHandle(declaration, Bump, runtime)


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[Callable[[str], Runtime]]:
    """Build runtimes on a SQLite log in ``tmp_path`` with the given lock URL; dispose them after the test."""
    made: list[Runtime] = []

    def build(lock_url: str) -> Runtime:
        runtime = Runtime(Settings(root=tmp_path, database_url=f"sqlite:///{tmp_path}/app.db", lock_url=lock_url))
        runtime.ensure_schema()
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.dispose()


def assert_recorded(runtime: Runtime, result: Failure) -> dict[str, Any]:
    record = runtime.store.find_execution(str(result.execution_id))
    assert record is not None
    assert record["status"] == "failed"
    assert record["error_code"] == "lock_unavailable"
    assert record["finished_at"] is not None
    return record


@pytest.mark.parametrize(
    ("scheme", "backend", "exception"),
    [
        ("redis", "redis", "redis.exceptions.ConnectionError"),
        ("postgresql", "postgresql", "psycopg.OperationalError"),
    ],
)
def test_server_down_fails_lock(
    make_runtime: Callable[[str], Runtime],
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
    scheme: str,
    backend: str,
    exception: str,
) -> None:
    lock_url = f"{scheme}://opsgen:s3cret-pw@127.0.0.1:{closed_port}/0"
    runtime = make_runtime(lock_url)
    handle = counting_handle(runtime)

    with caplog.at_level(logging.WARNING, logger="opsgen.execution"):
        result = handle(Context(actor="ann"), name="apples")

    assert isinstance(result, Failure)
    assert result.code == "lock_unavailable"
    location = f"{scheme}://opsgen:***@127.0.0.1:{closed_port}/0"
    assert result.details == {"backend": backend, "location": location, "keys": ["count:apples"],
                              "exception": exception}
    assert f"cannot take lock 'count:apples': the {backend} lock backend at {location} is unavailable" in result.message
    assert "check that the" in result.message
    assert "s3cret-pw" not in result.message
    record = assert_recorded(runtime, result)
    assert record["error_details"]["location"] == location
    logged = [entry.getMessage() for entry in caplog.records if entry.name == "opsgen.execution"]
    assert any("lock_unavailable" in line and location in line for line in logged)
    assert not any("s3cret-pw" in line for line in logged)


def test_redis_down_fails_singleton(make_runtime: Callable[[str], Runtime], closed_port: int) -> None:
    runtime = make_runtime(f"redis://127.0.0.1:{closed_port}/0")
    handle = counting_handle(runtime, singleton=True)

    result = handle(Context(), name="pears")

    assert isinstance(result, Failure)
    assert result.code == "lock_unavailable"
    assert result.details["keys"] == ["singleton:counts"]
    assert_recorded(runtime, result)


def test_sqlite_lock_file_unopenable(make_runtime: Callable[[str], Runtime], tmp_path: Path) -> None:
    lock_file = tmp_path / "no-such-folder" / "app.locks.db"
    runtime = make_runtime(f"sqlite:///{lock_file}")
    handle = counting_handle(runtime)

    result = handle(Context(), name="plums")

    assert isinstance(result, Failure)
    assert result.code == "lock_unavailable"
    assert result.details["location"] == f"sqlite:///{lock_file}"
    assert "lock file's folder exists" in result.message
    assert_recorded(runtime, result)


def test_backend_raises_lock_unavailable(closed_port: int) -> None:
    with open_lock_backend(f"redis://127.0.0.1:{closed_port}/0") as backend:
        with pytest.raises(LockUnavailable) as raised:
            backend.acquire_many(["a", "b"], timeout=1, lease=5, owner="execution-1")

    assert raised.value.keys == ("a", "b")
    assert raised.value.location == f"redis://127.0.0.1:{closed_port}/0"
    assert isinstance(raised.value.__cause__, redis.exceptions.ConnectionError)


@pytest.fixture
def own_redis(closed_port: int, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A Redis server of this test alone, on a free loopback port, which the test may stop."""
    server = shutil.which("redis-server")
    if server is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    process = subprocess.Popen(
        [server, "--port", str(closed_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{closed_port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    client.close()
    yield process, url
    process.kill()
    process.wait()


def test_redis_gone_before_release_keeps_result(
    make_runtime: Callable[[str], Runtime],
    own_redis: tuple[subprocess.Popen[bytes], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    process, url = own_redis

    def stop_server() -> None:
        process.terminate()
        process.wait(10)

    runtime = make_runtime(url)
    handle = counting_handle(runtime, during_run=stop_server)

    with caplog.at_level(logging.WARNING, logger="opsgen.runtime.locks.base"):
        result = handle(Context(), name="figs")

    assert result.ok
    record = runtime.store.find_execution(str(result.execution_id))
    assert record is not None
    assert record["status"] == "succeeded"
    warnings = [entry.getMessage() for entry in caplog.records if entry.name == "opsgen.runtime.locks.base"]
    assert len(warnings) == 1
    assert "releasing lock(s) count:figs of execution" in warnings[0]
    assert "stay taken until their lease" in warnings[0]


def test_postgres_pooled_session_ended_reconnects(postgres_url: str) -> None:
    import psycopg

    from opsgen.runtime.locks.postgres import PostgresLockBackend, libpq_url

    with open_lock_backend(postgres_url) as backend:
        assert isinstance(backend, PostgresLockBackend)
        with backend.acquire_many(["pooled"], timeout=1, lease=5, owner="execution-1"):
            pass
        (pooled,) = backend._pool
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pooled.info.backend_pid,))

        with backend.acquire_many(["pooled"], timeout=1, lease=5, owner="execution-2") as held:
            assert backend.holder("pooled") == "execution-2"

    assert held.released
    assert pooled.closed
