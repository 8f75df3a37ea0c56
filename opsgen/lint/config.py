"""The ``[tool.opsgen.lint]`` settings, read from the nearest ``pyproject.toml``.

Keys (all optional)::

    [tool.opsgen.lint]
    side-effects = ["myapp.notify.push"]          # extra callables that reach the outside world
    deferral-wrappers = ["myapp.db.after_commit"]  # extra callables that run their argument after commit
    safe-task-bases = ["myapp.tasks.CommitTask"]   # Celery task bases whose delay() waits for commit
    transaction-openers = ["myapp.db.unit_of_work"]  # extra context managers that open a transaction
    atomic-requests = true                         # Django ATOMIC_REQUESTS; detected from settings when unset
    service-packages = ["myapp.services"]          # where the service layer lives
    exclude = ["migrations", "legacy/*.py"]        # globs, as per-file-ignores takes them, not linted
    select = ["OPS1"]                              # only these codes or code prefixes
    extend-select = ["OPS003"]                     # these too; OPS003 is reported only when named
    ignore = ["OPS301"]                            # never these codes or code prefixes
    max-file-size = 10000000                       # bytes; larger files are skipped, 0 reads all

    [tool.opsgen.lint.per-file-ignores]            # glob (relative to the project root) -> codes
    "legacy/*" = ["OPS102", "OPS2"]                # read by ``opsgen lint``, not by the flake8 plugin
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from opsgen.runtime.config import closest_key, key_line, toml_error, unknown_keys_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class ConfigError(ValueError):
    """An invalid ``[tool.opsgen.lint]`` table; the message names the key and the file."""


DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    ".opsgen-cache",
    ".mypy_cache",
    ".pytest_cache",
    "site-packages",
)


#: The default ``max-file-size`` in bytes. Parsing takes about 20 to 50 bytes of memory per
#: byte of source for generated API clients and the standard library, and up to 400 for a
#: file of one short statement a line (CPython 3.11 ``ast``). The largest generated modules
#: met in practice, such as Google Cloud SDK message classes, are about 6 MB.
DEFAULT_MAX_FILE_SIZE = 10_000_000


@dataclass(frozen=True)
class LintConfig:
    root: Path = field(default_factory=Path.cwd)
    side_effects: tuple[str, ...] = ()
    deferral_wrappers: tuple[str, ...] = ()
    safe_task_bases: tuple[str, ...] = ()
    transaction_openers: tuple[str, ...] = ()
    atomic_requests: bool | None = None  # None: detect from the project's settings modules
    service_packages: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    #: Codes or prefixes added to ``select``. An opt-in code such as OPS003 is reported only
    #: when this or ``select`` names it in full.
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: (glob, codes or code prefixes) pairs, in the order of the table.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    specs: str | None = None  # [tool.opsgen] specs folder, for rules about operations
    #: Files larger than this many bytes are skipped, unread; 0 means no limit.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE

    def wants(self, code: str) -> bool:
        """Return True when ``select``, ``extend-select`` and ``ignore`` keep the rule ``code``.

        An opt-in code (:data:`OPT_IN_CODES`) is kept only when one of them names it in full.
        """
        if code in OPT_IN_CODES:
            named = code in self.select or code in self.extend_select
            return named and not any(code.startswith(prefix) for prefix in self.ignore)
        if self.select and not any(code.startswith(prefix) for prefix in (*self.select, *self.extend_select)):
            return False
        return not any(code.startswith(prefix) for prefix in self.ignore)

    def excluding_pattern(self, relative_path: str) -> str | None:
        """Return the first ``exclude`` glob that matches a file's or folder's path relative
        to the project root (POSIX), or None.

        The globs are read as ``per-file-ignores`` reads them (:func:`path_matches`), so a
        bare name such as ``migrations`` matches a folder of that name at any depth.
        """
        for pattern in self.exclude:
            if path_matches(_relative_pattern(pattern, self.root), relative_path):
                return pattern
        return None

    def ignored_in_file(self, code: str, relative_path: str) -> bool:
        """Return True when a ``per-file-ignores`` glob that matches ``relative_path`` (a
        POSIX path relative to the project root) lists ``code`` or a prefix of it."""
        for pattern, codes in self.per_file_ignores:
            if any(code.startswith(prefix) for prefix in codes) and path_matches(pattern, relative_path):
                return True
        return False

    def side_effect_kinds(self) -> dict[str, str]:
        """Configured side effects: qualified name (or prefix ending in ``.``) -> kind."""
        return {name: "configured side effect" for name in self.side_effects}

    def fingerprint(self) -> str:
        """Return a hash of the settings that change findings, for the findings cache."""
        # per-file-ignores filter the findings after the cache, so they do not change them.
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("root", "per_file_ignores")}
        return hashlib.sha1(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: Codes that no rule of ``lint_rules/`` reports, which ``select`` or ``extend-select`` must
#: name in full: OPS003, a ``# noqa`` code that suppresses nothing.
OPT_IN_CODES = ("OPS003",)


_LIST_KEYS = {
    "side-effects": "side_effects",
    "deferral-wrappers": "deferral_wrappers",
    "safe-task-bases": "safe_task_bases",
    "transaction-openers": "transaction_openers",
    "service-packages": "service_packages",
    "exclude": "exclude",
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
}


#: The keys whose values are rule codes or code prefixes. Codes are matched in upper case,
#: as ``--select`` and ``--ignore`` are, so ``"ops1"`` selects the OPS1 rules.
_CODE_KEYS = {"select", "extend-select", "ignore"}

_KNOWN_KEYS = sorted([*_LIST_KEYS, "atomic-requests", "max-file-size", "per-file-ignores"])


def path_matches(pattern: str, relative_path: str) -> bool:
    """Return True when the glob ``pattern`` matches a path relative to the project root.

    As in flake8's ``per-file-ignores``, ``*`` matches across ``/``. A pattern without ``/``
    also matches the last name of the path anywhere (``conftest.py``, ``migrations``), a
    folder's path matches every path below it (``legacy`` or ``legacy/``), and a leading
    ``**/`` matches at the root too (``**/migrations``).
    """
    pattern = pattern.strip().removeprefix("./")
    if pattern.startswith("**/") and path_matches(pattern[3:], relative_path):
        return True
    folder = pattern.rstrip("/")
    if fnmatch.fnmatchcase(relative_path, folder) or fnmatch.fnmatchcase(relative_path, f"{folder}/*"):
        return True
    return "/" not in folder and fnmatch.fnmatchcase(relative_path.rpartition("/")[2], folder)


def _relative_pattern(pattern: str, root: Path) -> str:
    """Return an absolute ``exclude`` path under ``root`` relative to it; other patterns as they are."""
    path = Path(pattern)
    if not path.is_absolute():
        return pattern
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return pattern


def config_from_mapping(
    table: Mapping[str, Any], root: Path, source: str = "[tool.opsgen.lint]", pyproject: Path | None = None
) -> LintConfig:
    """Validate a ``[tool.opsgen.lint]`` table; raise :class:`ConfigError` on a bad key or value.

    With the ``pyproject`` file the table was read from, errors name the line of the key.
    """
    unknown = [key for key in table if key not in _KNOWN_KEYS]
    if unknown and pyproject is not None:
        raise ConfigError(unknown_keys_message(pyproject, unknown, "tool.opsgen.lint", _KNOWN_KEYS))
    if unknown:
        lines = [f"{source}: unknown key {key!r}" + _suggestion(key) for key in unknown]
        raise ConfigError("\n".join([*lines, f"known keys of [tool.opsgen.lint]: {', '.join(_KNOWN_KEYS)}"]))

    text = pyproject.read_text(encoding="utf-8") if pyproject is not None else ""

    def where(key: str) -> str:
        line = key_line(text, key, "tool.opsgen.lint") if pyproject is not None else None
        return f"{pyproject}:{line}: [tool.opsgen.lint]" if line is not None else source

    values: dict[str, Any] = {"root": root}
    for key, value in table.items():
        if key in _LIST_KEYS:
            strings = _strings(value, f"{where(key)}: {key}")
            values[_LIST_KEYS[key]] = _codes(strings, f"{where(key)}: {key}") if key in _CODE_KEYS else strings
        elif key == "atomic-requests":
            if not isinstance(value, bool):
                raise ConfigError(f"{where(key)}: atomic-requests must be true or false, got {value!r}")
            values["atomic_requests"] = value
        elif key == "max-file-size":
            # bool is a subclass of int, but true is no size.
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(
                    f"{where(key)}: max-file-size must be a whole number of bytes, 0 for no limit, got {value!r}"
                )
            values["max_file_size"] = value
        else:
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{where(key)}: per-file-ignores must be a table of globs to lists of codes, "
                    f'such as {{ "legacy/*" = ["OPS102"] }}, got {value!r}'
                )
            pairs = [(str(pattern), _strings(codes, f"{where(key)}: per-file-ignores {pattern!r}")) for pattern, codes in value.items()]
            values["per_file_ignores"] = tuple(
                (pattern, _codes(codes, f"{where(key)}: per-file-ignores {pattern!r}")) for pattern, codes in pairs
            )
    return LintConfig(**values)


def _suggestion(key: str) -> str:
    suggestion = closest_key(key, _KNOWN_KEYS)
    return f"; did you mean {suggestion!r}?" if suggestion is not None else ""


def _strings(value: Any, setting: str) -> tuple[str, ...]:
    """Return a list of strings as a tuple; raise :class:`ConfigError` naming ``setting`` otherwise.

    A bare string is a value of the wrong type too: ``exclude = "pkg"`` must be written
    ``exclude = ["pkg"]``.
    """
    if isinstance(value, str):
        raise ConfigError(f'{setting} must be a list of strings, got the string {value!r}; write [{json.dumps(value)}]')
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{setting} must be a list of strings, got {value!r}")
    return tuple(value)


def _codes(values: tuple[str, ...], setting: str) -> tuple[str, ...]:
    """Return rule codes or code prefixes in the upper case that rule codes use.

    An empty string is rejected, because as a prefix it would match every code.
    """
    codes = tuple(value.strip().upper() for value in values)
    if "" in codes:
        raise ConfigError(f"{setting} contains an empty code; remove it, or write a code or prefix such as \"OPS1\"")
    return codes


def find_project_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` that has a ``pyproject.toml``.

    Without one, a ``.git`` folder marks the root, and without either, ``start`` is.
    """
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def is_project_root(folder: Path) -> bool:
    """Return True when ``folder`` has a ``pyproject.toml`` or a ``.git``."""
    return (folder / "pyproject.toml").is_file() or (folder / ".git").exists()


def load_config(root: Path) -> LintConfig:
    """Read ``[tool.opsgen.lint]`` (and ``[tool.opsgen] specs``) from ``root/pyproject.toml``."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return LintConfig(root=root)
    text = pyproject.read_bytes().decode("utf-8", errors="replace")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error(pyproject, text, exc)) from exc
    opsgen_table = document.get("tool", {}).get("opsgen", {})
    table = opsgen_table.get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.opsgen.lint] must be a table")
    config = config_from_mapping(table, root, source=f"{pyproject} [tool.opsgen.lint]", pyproject=pyproject)
    specs = opsgen_table.get("specs")
    if isinstance(specs, str):
        config = LintConfig(**{**{f.name: getattr(config, f.name) for f in fields(config)}, "specs": specs})
    return config
