"""A runtime on the test session's PostgreSQL database, for the tests of the worker's statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime


@contextmanager
def postgres_runtime(postgres_url: str) -> Iterator[Runtime]:
    """Yield a runtime whose execution log is on ``postgres_url``, with its tables; dispose of it after."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=postgres_url))
    runtime.ensure_schema()
    try:
        yield runtime
    finally:
        runtime.dispose()
