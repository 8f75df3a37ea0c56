"""Fixtures of the lock tests: one lock URL per backend, isolated from other tests."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def lock_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A lock backend URL: a fresh SQLite file, the test PostgreSQL database, or a unique Redis prefix."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    redis_url = str(request.getfixturevalue("redis_url"))
    separator = "&" if "?" in redis_url else "?"
    return f"{redis_url}{separator}prefix=opsgen-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def unique_key() -> str:
    """A lock key no other test uses, so tests sharing a server do not meet."""
    return f"account:{uuid.uuid4().hex}"
