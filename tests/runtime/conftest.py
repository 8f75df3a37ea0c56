"""Fixtures of the runtime tests: a runtime per database, with the ``items`` table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from opsgen.runtime.runtime import Runtime, configure, reset_runtime  # noqa: E402
from runtime_fixture_ops import make_runtime  # noqa: E402


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """The URL of each real database the runtime supports, one test run per database."""
    if request.param == "sqlite":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    """A runtime on each database, installed as the default for the test."""
    made = make_runtime(database_url)
    configure(made)
    yield made
    reset_runtime()
