"""A runtime built without settings: the warning about the default database, and the schema check of workers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from opsgen.runtime import runtime as runtime_module
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.runtime import Runtime

FALLBACK_LOGGER = "opsgen.runtime.runtime"


@pytest.fixture
def folder_without_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A current folder with no pyproject.toml at or above it, no database variable, and no warning logged yet."""
    folder = tmp_path / "worker-folder"
    folder.mkdir()
    assert not any((parent / "pyproject.toml").exists() for parent in (folder, *folder.parents))
    monkeypatch.chdir(folder)
    monkeypatch.delenv("OPSGEN_DATABASE_URL", raising=False)
    monkeypatch.setattr(runtime_module, "_fallback_warned", False)
    yield folder


def fallback_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == FALLBACK_LOGGER and record.levelno == logging.WARNING]


def test_runtime_without_settings_warns_once(folder_without_settings: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=FALLBACK_LOGGER):
        first = Runtime()
        second = Runtime()
    first.dispose()
    second.dispose()

    [message] = fallback_warnings(caplog)
    assert str(folder_without_settings) in message
    assert f"sqlite:///{folder_without_settings}/opsgen.db" in message
    assert "OPSGEN_DATABASE_URL" in message
    assert "database-url" in message


def test_runtime_with_explicit_url_does_not_warn(folder_without_settings: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=FALLBACK_LOGGER):
        created = Runtime(database_url=f"sqlite:///{folder_without_settings}/explicit.db")
    created.dispose()

    assert fallback_warnings(caplog) == []


def test_runtime_with_environment_url_does_not_warn(
    folder_without_settings: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSGEN_DATABASE_URL", f"sqlite:///{folder_without_settings}/from-env.db")
    with caplog.at_level(logging.WARNING, logger=FALLBACK_LOGGER):
        created = Runtime()
    created.dispose()

    assert fallback_warnings(caplog) == []


def test_runtime_with_project_settings_does_not_warn(
    folder_without_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (folder_without_settings / "pyproject.toml").write_text('[tool.opsgen]\nspecs = "specs"\n')
    with caplog.at_level(logging.WARNING, logger=FALLBACK_LOGGER):
        created = Runtime()
    created.dispose()

    assert fallback_warnings(caplog) == []
    assert created.settings.database_url == f"sqlite:///{folder_without_settings}/opsgen.db"


def test_require_schema_creates_tables_when_migrating(tmp_path: Path) -> None:
    created = Runtime(database_url=f"sqlite:///{tmp_path}/fresh.db")
    try:
        created.require_schema()
        assert inspect(created.engine).has_table("opsgen_executions")
    finally:
        created.dispose()


def test_require_schema_without_migrate_names_database(tmp_path: Path) -> None:
    created = Runtime(database_url=f"sqlite:///{tmp_path}/empty.db", migrate=False)
    try:
        with pytest.raises(ConfigurationError) as raised:
            created.require_schema()
    finally:
        created.dispose()

    message = str(raised.value)
    assert "opsgen_executions is missing" in message
    assert f"sqlite:///{tmp_path}/empty.db" in message
    assert "runtime.ensure_schema()" in message
