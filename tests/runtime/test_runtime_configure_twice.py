"""configure() logs a warning when it replaces a default runtime that has integrations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsgen.runtime import runtime as runtime_module
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime, configure, get_runtime


@pytest.fixture
def fresh_default() -> Iterator[None]:
    saved = runtime_module._default
    runtime_module._default = None
    yield
    runtime_module._default = saved


def build(sqlite_url: str) -> Runtime:
    return Runtime(Settings(root=Path.cwd(), database_url=sqlite_url), migrate=False)


def test_configure_replacing_integrations_warns(
    fresh_default: None, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = configure(build(sqlite_url))
    first.enqueuer = lambda handle, ctx, inputs: "queued"
    first.register_effect_handler("email", lambda effect: None)

    with caplog.at_level(logging.WARNING, logger="opsgen.runtime.runtime"):
        second = configure(build(sqlite_url))

    assert get_runtime() is second
    (warning,) = [record.getMessage() for record in caplog.records]
    assert "queue integration (enqueue)" in warning
    assert "effect handlers email" in warning
    assert "configure() once at start-up" in warning
    first.dispose()
    second.dispose()


def test_configure_plain_replacement_quiet(
    fresh_default: None, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="opsgen.runtime.runtime"):
        first = configure(build(sqlite_url))
        configure(first)
        second = configure(build(sqlite_url))

    assert caplog.records == []
    first.dispose()
    second.dispose()
