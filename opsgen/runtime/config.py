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

The generator reads ``implementations``, ``package-module`` and ``implementations-module``
as well, and the sub-tables ``[tool.opsgen.lint]`` and ``[tool.opsgen.audit]`` belong to
the linter and the audit trail, which check their own keys. Any other key in
``[tool.opsgen]`` raises :class:`ConfigurationError`, so a misspelt key fails instead of
leaving its setting at the default.
"""

from __future__ import annotations

import difflib
import os
import re
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

#: Keys of ``[tool.opsgen]`` that hold a value, read by these settings or by the generator.
VALUE_KEYS = frozenset({
    "app", "database-url", "implementations", "implementations-module", "lock-url", "log-enabled",
    "package", "package-module", "record-running", "specs", "trace-modules",
})
#: Sub-tables of ``[tool.opsgen]``, whose keys the linter and the audit trail check.
TABLE_KEYS = frozenset({"audit", "lint"})

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
    #: True when no settings file was found and ``OPSGEN_DATABASE_URL`` was not set, so
    #: ``database_url`` is the default file in ``root``, the current folder.
    database_url_fallback: bool = False


def find_pyproject(start: Path | None = None) -> Path | None:
    """Return the nearest ``pyproject.toml`` with a ``[tool.opsgen]`` table at or above ``start``.

    Raises :class:`ConfigurationError` naming a ``pyproject.toml`` on the way that is not valid TOML.
    """
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if not path.is_file():
            continue
        tool = _read_toml(path).get("tool")
        if isinstance(tool, dict) and "opsgen" in tool:
            return path
    return None


def read_settings_table(pyproject: Path) -> dict[str, Any]:
    """Read the ``[tool.opsgen]`` table of ``pyproject`` and check its keys.

    Returns an empty table when the file has none. Raises :class:`ConfigurationError`
    naming the file when it is not valid TOML, when ``tool.opsgen`` is not a table, or
    when the table has a key that no part of opsgen reads. For unknown keys the message
    gives each key's line, the closest known key and every known key.
    """
    tool = _read_toml(pyproject).get("tool", {})
    table = tool.get("opsgen", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigurationError(f"{pyproject}: tool.opsgen must be a table, such as [tool.opsgen], not {table!r}")
    unknown = [key for key in table if key not in VALUE_KEYS | TABLE_KEYS]
    if unknown:
        raise ConfigurationError(unknown_keys_message(pyproject, unknown, "tool.opsgen", sorted(VALUE_KEYS | TABLE_KEYS)))
    return table


def load_settings(start: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``[tool.opsgen]`` and apply the ``OPSGEN_*`` environment overrides.

    Raises :class:`ConfigurationError` naming the file and the key for an unknown key
    (see :func:`read_settings_table`), a value of the wrong type, or a ``lock-url`` that
    names no lock backend (see :func:`~opsgen.runtime.locks.check_lock_url`).
    """
    # The lock package imports this module through opsgen.runtime.database_url.
    from opsgen.runtime.locks import check_lock_url

    env = os.environ if environ is None else environ
    pyproject = find_pyproject(start)
    root = pyproject.parent if pyproject else (start or Path.cwd()).resolve()
    table = read_settings_table(pyproject) if pyproject else {}

    def setting(key: str, env_name: str) -> Any:
        return env[env_name] if env_name in env else table.get(key)

    def source(key: str, env_name: str) -> str:
        """Name where ``setting(key, env_name)`` came from, for an error message."""
        return f"the environment variable {env_name}" if env_name in env else f"{key} in {pyproject}"

    def boolean(key: str, env_name: str) -> bool:
        return _boolean(setting(key, env_name), source(key, env_name), from_text=env_name in env)

    database_url = setting("database-url", "OPSGEN_DATABASE_URL") or DEFAULT_DATABASE_URL
    trace = setting("trace-modules", "OPSGEN_TRACE_MODULES") or ()
    if isinstance(trace, str):
        trace = [part.strip() for part in trace.split(",") if part.strip()]
    if not isinstance(trace, (list, tuple)) or not all(isinstance(p, str) for p in trace):
        raise ConfigurationError(f"{source('trace-modules', 'OPSGEN_TRACE_MODULES')} must be a list of module prefixes")
    lock_url = _optional(setting("lock-url", "OPSGEN_LOCK_URL"))
    check_lock_url(lock_url, source("lock-url", "OPSGEN_LOCK_URL"))

    return Settings(
        root=root,
        specs=str(setting("specs", "OPSGEN_SPECS") or "specs"),
        package=_optional(setting("package", "OPSGEN_PACKAGE")),
        database_url=resolve_sqlite_path(str(database_url), root),
        app=_optional(setting("app", "OPSGEN_APP")),
        log_enabled=boolean("log-enabled", "OPSGEN_LOG_ENABLED"),
        trace_modules=tuple(trace),
        lock_url=lock_url,
        record_running=boolean("record-running", "OPSGEN_RECORD_RUNNING"),
        database_url_fallback=pyproject is None and not env.get("OPSGEN_DATABASE_URL"),
    )


def resolve_sqlite_path(url: str, root: Path) -> str:
    """Make the file path of a relative ``sqlite:///`` URL absolute against ``root``."""
    prefix, separator, rest = url.partition(":///")
    if not separator or not prefix.startswith("sqlite") or not rest or rest.startswith(("/", ":memory:")):
        return url
    path, query_mark, query = rest.partition("?")
    return f"{prefix}:///{(root / path).resolve()}{query_mark}{query}"


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        text = decode_toml(handle.read(), path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(toml_error(path, text, exc)) from None


_TOML_POSITION = re.compile(r" \(at line (\d+), column (\d+)\)$")
_TOML_END = " (at end of document)"


def toml_error(path: Path | str, text: str, error: Exception) -> str:
    """Return the message for a TOML file that does not parse, as ``path:line:column:``
    followed by the parser's reason, so that editors and terminals can jump to it."""
    reason = str(error)
    found = _TOML_POSITION.search(reason)
    if found is not None:
        return f"{path}:{found[1]}:{found[2]}: invalid TOML: {reason[:found.start()]}"
    if reason.endswith(_TOML_END):
        last_line = max(1, len(text.rstrip("\n").split("\n")))
        return f"{path}:{last_line}: invalid TOML: {reason.removesuffix(_TOML_END)} at the end of the file"
    return f"{path}: invalid TOML: {reason}"


def decode_toml(data: bytes, path: Path) -> str:
    """Decode the bytes of a TOML file, which must be UTF-8 without a byte order mark.

    Raises :class:`ConfigurationError` naming ``path`` with the line and column of the
    problem, because tomllib reports a BOM only as an invalid statement at 1:1.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        raise ConfigurationError(
            f"{path}:1:1: the file starts with a UTF-8 byte order mark (BOM), which Python's TOML parser (tomllib) rejects; "
            "save it as UTF-8 without BOM"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{invalid_utf8_message(path, data, exc)}; TOML files must be UTF-8") from None


def invalid_utf8_message(path: Path, data: bytes, error: UnicodeDecodeError) -> str:
    """Return ``path:line:column: invalid UTF-8 (byte 0x..)`` for the first byte ``error`` rejects."""
    before = data[: error.start]
    line = before.count(b"\n") + 1
    column = error.start - (before.rfind(b"\n") + 1) + 1
    return f"{path}:{line}:{column}: invalid UTF-8 (byte 0x{data[error.start]:02x})"


def unknown_keys_message(pyproject: Path, unknown: list[str], table: str, known: list[str]) -> str:
    """Return one line per unknown key of the TOML ``table`` (``tool.opsgen``), as
    ``FILE:LINE: ...`` with the closest of the ``known`` keys, then the known keys."""
    text = pyproject.read_text(encoding="utf-8")
    lines = []
    for key in unknown:
        line = key_line(text, key, table)
        where = f"{pyproject}:{line}" if line is not None else str(pyproject)
        message = f"{where}: unknown key {key!r} in [{table}]"
        suggestion = closest_key(key, known)
        if suggestion is not None:
            message += f"; did you mean {suggestion!r}?"
        lines.append(message)
    lines.append(f"known keys of [{table}]: {', '.join(known)}")
    return "\n".join(lines)


def closest_key(key: str, known: list[str]) -> str | None:
    """Return the known key that ``key`` most likely misspells, or ``None`` when none is close."""
    spelled = key.strip().lower().replace("_", "-")
    if spelled in known:
        return spelled
    matches = difflib.get_close_matches(spelled, known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def key_line(text: str, key: str, table: str = "tool.opsgen") -> int | None:
    """Return the line number of ``key`` of the dotted ``table`` in the TOML ``text``.

    For ``tool.opsgen``, finds a ``key = ...`` line under the ``[tool.opsgen]`` header, a
    sub-table header ``[tool.opsgen.key]`` and a dotted ``opsgen.key = ...`` or
    ``tool.opsgen.key = ...``. Returns ``None`` for other forms, such as an inline table.
    """
    name = re.escape(key)
    bare_key = re.compile(rf"""\s*(?:{name}|"{name}"|'{name}')\s*[=.]""")
    *outer, last = table.split(".")
    prefix = ""
    for part in outer:
        prefix = rf"(?:{prefix}{re.escape(part)}\s*\.\s*)?"
    dotted_key = re.compile(rf"""\s*{prefix}{re.escape(last)}\s*\.\s*(?:{name}|"{name}"|'{name}')\s*[=.]""")
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            header = re.sub(r"""[\s"'\[\]]""", "", line.split("#", 1)[0])
            if header == f"{table}.{key}" or header.startswith(f"{table}.{key}."):
                return number
            in_table = header == table
        elif (in_table and bare_key.match(line)) or dotted_key.match(line):
            return number
    return None


def _optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _boolean(value: Any, where: str, *, from_text: bool) -> bool:
    """Read a boolean setting, default true. ``from_text`` (an environment variable)
    accepts the usual spellings; pyproject.toml must hold a TOML boolean."""
    if value is None or isinstance(value, bool):
        return True if value is None else value
    text = str(value).strip().lower()
    if from_text and text in _TRUE:
        return True
    if from_text and text in _FALSE:
        return False
    if from_text:
        raise ConfigurationError(f"{where} must be true or false (or 1/0, yes/no, on/off), not {value!r}")
    raise ConfigurationError(f"{where} must be a TOML boolean, true or false without quotes, not {value!r}")


def add_project_to_path(settings: Settings) -> None:
    """Make the application's modules importable: put the project folder first on ``sys.path``.

    Commands that import user modules (``--app``, ``--registry``) call this, so that
    ``shop.app:build`` resolves from the folder of ``pyproject.toml`` (or the current
    folder) however ``opsgen`` was started, as ``python -m`` would.
    """
    root = str(settings.root)
    if root not in sys.path:
        sys.path.insert(0, root)
