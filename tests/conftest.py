"""Fixtures shared by every test: real service URLs and the rule that CI never skips them.

Tests that claim PostgreSQL, Redis or RabbitMQ behaviour take ``postgres_url``,
``redis_url`` or ``rabbitmq_url``. On a laptop without the server such a test is skipped
with the reason; with ``CI=true`` it fails instead, because a skip there would hide a
missing service.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI") == "true"

POSTGRES_ADMIN_URL = os.environ.get("OPSGEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OPSGEN_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("OPSGEN_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


def service_unavailable(name: str, url: str, error: BaseException) -> None:
    """Skip the test, or fail it in CI, saying which service did not answer and how to start it."""
    message = (
        f"{name} at {url} does not answer ({type(error).__name__}: {error}); "
        "run `python scripts/services.py` or see the README's Services section"
    )
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh PostgreSQL database, dropped after the test session."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any connection failure means unavailable
        service_unavailable("PostgreSQL", POSTGRES_ADMIN_URL, exc)
        raise

    name = f"opsgen_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a reachable Redis server (database 0 unless OPSGEN_TEST_REDIS says otherwise)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        service_unavailable("Redis", REDIS_URL, exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The AMQP URL of a reachable RabbitMQ server."""
    try:
        import kombu

        with kombu.Connection(RABBITMQ_URL, connect_timeout=3) as conn:
            conn.connect()
    except Exception as exc:  # noqa: BLE001
        service_unavailable("RabbitMQ", RABBITMQ_URL, exc)
    return RABBITMQ_URL


@pytest.fixture
def closed_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on, as a server that is down leaves it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def sqlite_url(tmp_path: "os.PathLike[str]") -> str:
    """A SQLAlchemy URL of a fresh SQLite file in the test's temporary folder."""
    return f"sqlite:///{os.fspath(tmp_path)}/opsgen.db"


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    """Undo the root handlers that a command run in-process adds.

    Such a handler writes to the stream pytest captured for that test; left in place,
    every later log record reports a write to a closed file.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
