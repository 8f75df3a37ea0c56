"""A ``lock-url`` that names no lock backend stops the settings, not the first locked call."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.runtime.config import Settings, load_settings
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.runtime import Runtime, configure, reset_runtime

PYPROJECT = """\
[project]
name = "shop"

[tool.opsgen]
database-url = "sqlite:///shop.db"
lock-url = "{lock_url}"
"""


def project(tmp_path: Path, lock_url: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(lock_url=lock_url))
    return tmp_path


def test_variable_with_misspelt_scheme(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path, environ={"OPSGEN_LOCK_URL": "redsi://127.0.0.1:6379/0"})

    message = str(raised.value)
    assert "invalid lock URL 'redsi://127.0.0.1:6379/0'" in message
    assert "in the environment variable OPSGEN_LOCK_URL" in message
    assert "(did you mean redis://?)" in message
    for form in ("sqlite:///FILE", "postgresql://", "redis://HOST:PORT/DB", "rediss://"):
        assert form in message


def test_pyproject_key_names_the_file(tmp_path: Path) -> None:
    folder = project(tmp_path, "mysql://shop:hunter2@db/locks")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(folder, environ={})

    message = str(raised.value)
    assert f"in lock-url in {folder / 'pyproject.toml'}" in message
    assert "no lock backend has the scheme 'mysql'" in message
    assert "hunter2" not in message
    assert "'mysql://shop:***@db/locks'" in message


def test_memory_sqlite_lock_url_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="need a file"):
        load_settings(tmp_path, environ={"OPSGEN_LOCK_URL": "sqlite:///:memory:"})


@pytest.mark.parametrize(
    "lock_url",
    [
        "sqlite:///var/opsgen.locks.db",
        "postgresql://app@db/app",
        "postgresql+psycopg://app@db/app",
        "redis://127.0.0.1:6379/0?prefix=shop:",
        "rediss://cache.example.com:6380/1",
        "unix:///run/redis.sock",
    ],
)
def test_supported_lock_urls_accepted(tmp_path: Path, lock_url: str) -> None:
    settings = load_settings(tmp_path, environ={"OPSGEN_LOCK_URL": lock_url})

    assert settings.lock_url == lock_url


def test_configure_rejects_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project(tmp_path, "redis://127.0.0.1:6379/0")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("OPSGEN_LOCK_URL", "redsi://127.0.0.1:6379/0")

    try:
        with pytest.raises(ConfigurationError, match="OPSGEN_LOCK_URL"):
            configure()
    finally:
        reset_runtime()


def test_runtime_rejects_settings_in_code(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, database_url=f"sqlite:///{tmp_path}/shop.db", lock_url="redsi://localhost/0")

    with pytest.raises(ConfigurationError) as raised:
        Runtime(settings)

    assert "the lock_url of the Settings passed to Runtime" in str(raised.value)
