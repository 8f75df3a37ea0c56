"""Runtime settings: ``[tool.opsgen]`` in ``pyproject.toml``, overridden by environment variables.

The settings file is the nearest ``pyproject.toml`` with a ``[tool.opsgen]`` table,
found by walking up from the working directory. A relative SQLite path in
``database-url`` is resolved against that file's folder, so every command run anywhere
inside the project reaches the same database.

=====================  ========================  =========================================
``[tool.opsgen]`` key  environment variable     meaning
=====================  ========================  =========================================
``specs``              ``OPSGEN_SPECS``         folder of the YAML specs
``package``            ``OPSGEN_PACKAGE``       folder of the generated package
``database-url``       ``OPSGEN_DATABASE_URL``  SQLAlchemy URL of the execution log
``app``                ``OPSGEN_APP``           ``module:object`` that configures the runtime
``log-enabled``        ``OPSGEN_LOG_ENABLED``   write execution records (default true)
``trace-modules``      ``OPSGEN_TRACE_MODULES`` module prefixes to trace (comma-separated)
``lock-url``           ``OPSGEN_LOCK_URL``      URL of the lock backend (default: database)
``record-running``     ``OPSGEN_RECORD_RUNNING`` show transactional calls while they run
                                                (default true; false saves a commit a call)
=====================  ========================  =========================================
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgen.runtime.errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_DATABASE_URL = "sqlite:///opsgen.db"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """The resolved settings; ``root`` is the folder of the settings file (or the cwd)."""

    root: Path
    specs: str = "specs"
    package: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    app: str | None = None
    log_enabled: bool = True
    trace_modules: tuple[str, ...] = ()
    lock_url: str | None = None
    record_running: bool = True


def find_pyproject(start: Path | None = None) -> Path | None:
    """Return the nearest ``pyproject.toml`` with a ``[tool.opsgen]`` table at or above ``start``."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and "opsgen" in _read_toml(path).get("tool", {}):
            return path
    return None


def load_settings(start: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``[tool.opsgen]`` and apply the ``OPSGEN_*`` environment overrides.

    Raises :class:`ConfigurationError` naming the key and file for a value of the wrong type.
    """
    env = os.environ if environ is None else environ
    pyproject = find_pyproject(start)
    root = pyproject.parent if pyproject else (start or Path.cwd()).resolve()
    table: dict[str, Any] = _read_toml(pyproject)["tool"]["opsgen"] if pyproject else {}
    where = str(pyproject) if pyproject else "the environment"

    def setting(key: str, env_name: str) -> Any:
        return env[env_name] if env_name in env else table.get(key)

    database_url = setting("database-url", "OPSGEN_DATABASE_URL") or DEFAULT_DATABASE_URL
    trace = setting("trace-modules", "OPSGEN_TRACE_MODULES") or ()
    if isinstance(trace, str):
        trace = [part.strip() for part in trace.split(",") if part.strip()]
    if not isinstance(trace, (list, tuple)) or not all(isinstance(p, str) for p in trace):
        raise ConfigurationError(f"trace-modules in {where} must be a list of module prefixes")

    return Settings(
        root=root,
        specs=str(setting("specs", "OPSGEN_SPECS") or "specs"),
        package=_optional(setting("package", "OPSGEN_PACKAGE")),
        database_url=resolve_sqlite_path(str(database_url), root),
        app=_optional(setting("app", "OPSGEN_APP")),
        log_enabled=_boolean(setting("log-enabled", "OPSGEN_LOG_ENABLED"), "log-enabled", where),
        trace_modules=tuple(trace),
        lock_url=_optional(setting("lock-url", "OPSGEN_LOCK_URL")),
        record_running=_boolean(setting("record-running", "OPSGEN_RECORD_RUNNING"), "record-running", where),
    )


def resolve_sqlite_path(url: str, root: Path) -> str:
    """Make the file path of a relative ``sqlite:///`` URL absolute against ``root``."""
    prefix, separator, rest = url.partition(":///")
    if not separator or not prefix.startswith("sqlite") or not rest or rest.startswith(("/", ":memory:")):
        return url
    path, query_mark, query = rest.partition("?")
    return f"{prefix}:///{(root / path).resolve()}{query_mark}{query}"


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _boolean(value: Any, key: str, where: str) -> bool:
    if value is None or isinstance(value, bool):
        return True if value is None else value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{key} in {where} must be true or false, not {value!r}")


def add_project_to_path(settings: Settings) -> None:
    """Make the application's modules importable: put the project folder first on ``sys.path``.

    Commands that import user modules (``--app``, ``--registry``) call this, so that
    ``shop.app:build`` resolves from the folder of ``pyproject.toml`` (or the current
    folder) however ``opsgen`` was started, as ``python -m`` would.
    """
    root = str(settings.root)
    if root not in sys.path:
        sys.path.insert(0, root)
