"""Pooled PostgreSQL connections are tested on checkout only after they sat unused."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from opsgen.runtime.database import PING_AFTER_IDLE, create_runtime_engine, ping_idle_connections

pytestmark = pytest.mark.postgres


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    time.sleep(0.1)


def test_recent_connection_not_pinged(postgres_url: str) -> None:
    engine = create_runtime_engine(postgres_url)
    try:
        backend_pid(engine)
        pings: list[object] = []
        original = engine.dialect.do_ping
        engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
        for _ in range(5):
            backend_pid(engine)
        assert pings == []
    finally:
        engine.dispose()


def test_dead_idle_connection_replaced(postgres_url: str, admin: Engine) -> None:
    engine = create_engine(postgres_url)
    ping_idle_connections(engine, idle=0.2)
    try:
        first = backend_pid(engine)
        terminate(admin, first)
        time.sleep(0.3)
        second = backend_pid(engine)  # no error: the dead connection was tested and replaced
        assert second != first
    finally:
        engine.dispose()


def test_runtime_engine_pings_idle(postgres_url: str, admin: Engine) -> None:
    engine = create_runtime_engine(postgres_url)
    try:
        first = backend_pid(engine)
        terminate(admin, first)
        time.sleep(PING_AFTER_IDLE + 0.1)
        assert backend_pid(engine) != first
    finally:
        engine.dispose()
