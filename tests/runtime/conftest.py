"""Fixtures of the runtime tests: a runtime per database, with the ``items`` table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from opsgen.runtime.config import Settings  # noqa: E402
from opsgen.runtime.runtime import Runtime, configure, reset_runtime  # noqa: E402
from runtime_fixture_ops import app_metadata  # noqa: E402


def make_runtime(url: str, **kwargs: object) -> Runtime:
    """Build a runtime on ``url`` with fresh opsgen tables and an empty ``items`` table."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url), **kwargs)  # type: ignore[arg-type]
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM items"))
        connection.execute(text("DELETE FROM opsgen_effects"))
        connection.execute(text("DELETE FROM opsgen_executions"))
    return runtime


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
