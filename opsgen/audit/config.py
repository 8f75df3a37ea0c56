"""Which entities are audited, and how: the one declaration that code review sees.

Audited entities are declared in ``pyproject.toml`` under ``[tool.opsgen.audit]``, one
table per entity, so adding an entity, marking a column sensitive or shortening a
retention period is a reviewed change to a single file::

    [tool.opsgen.audit.entities.billing_plan]
    table = "billing_plans"
    id = "id"
    sensitive = ["card_token"]
    exclude = ["updated_at"]
    retention-days = 730
    snapshot-every = 100
    capture = "row"

Applications that prefer code may build :class:`AuditConfig` directly; both forms
produce the same frozen objects.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CaptureMode = Literal["row", "statement"]

#: Text stored in place of a sensitive column's value.
MASK = "***"

_ENTITY_KEYS = {"table", "id", "sensitive", "exclude", "retention-days", "snapshot-every", "capture"}


class AuditConfigError(ValueError):
    """An audit declaration is invalid; the message names the entity and the key."""


def table_key(name: str) -> str:
    """Return a key that matches a table however a statement names it: no schema, no quotes, lower case.

    ``"Orders"``, ``orders`` and ``app.ORDERS`` have the same key. Two tables whose names
    differ only in case, or only in schema, share it too, so a test of whether a
    statement may touch an audited table can say yes wrongly, never no.
    """
    parts = _NAME_PART.findall(name.strip())
    last = parts[-1] if parts else name.strip()
    if len(last) > 1 and last.startswith('"') and last.endswith('"'):
        last = last[1:-1].replace('""', '"')
    return last.lower()


# One part of a possibly qualified name: a quoted identifier, or a run of other characters.
_NAME_PART = re.compile(r'"(?:[^"]|"")+"|[^".\s]+')


@dataclass(frozen=True)
class AuditedEntity:
    """One audited entity: a table, its id column and what to mask or leave out.

    ``snapshot_every`` is the number of versions between two full-row snapshots, so
    rebuilding a version replays at most that many changes. ``retention_days`` of
    ``None`` keeps the history forever. ``capture="statement"`` records changes with
    statement-level triggers over transition tables (PostgreSQL only), which costs less
    per row on tables that take large bulk updates.
    """

    name: str
    table: str
    id_column: str = "id"
    sensitive: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    retention_days: int | None = None
    snapshot_every: int = 100
    capture: CaptureMode = "row"

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise AuditConfigError(f"audit entity name {self.name!r} is not an identifier; use letters, digits and _")
        if not self.table:
            raise AuditConfigError(f"audit entity {self.name!r} has an empty table name")
        if self.id_column in self.exclude:
            raise AuditConfigError(f"audit entity {self.name!r} excludes its id column {self.id_column!r}")
        if self.retention_days is not None and self.retention_days < 1:
            raise AuditConfigError(f"audit entity {self.name!r}: retention-days must be at least 1, got {self.retention_days}")
        if self.snapshot_every < 1:
            raise AuditConfigError(f"audit entity {self.name!r}: snapshot-every must be at least 1, got {self.snapshot_every}")
        if self.capture not in ("row", "statement"):
            raise AuditConfigError(f"audit entity {self.name!r}: capture must be 'row' or 'statement', got {self.capture!r}")

    def audited_columns(self, table_columns: Iterable[str]) -> list[str]:
        """Return the table's columns that are recorded, in table order."""
        return [column for column in table_columns if column not in self.exclude]


@dataclass(frozen=True)
class AuditConfig:
    """The audited entities of one application, by entity name."""

    entities: Mapping[str, AuditedEntity] = field(default_factory=dict)

    @classmethod
    def of(cls, *entities: AuditedEntity) -> AuditConfig:
        """Build a configuration from entities; raise on a name or table declared twice."""
        by_name: dict[str, AuditedEntity] = {}
        tables: dict[str, str] = {}
        for entity in entities:
            if entity.name in by_name:
                raise AuditConfigError(f"audit entity {entity.name!r} is declared twice")
            if entity.table in tables:
                raise AuditConfigError(
                    f"table {entity.table!r} is audited as both {tables[entity.table]!r} and {entity.name!r}"
                )
            by_name[entity.name] = entity
            tables[entity.table] = entity.name
        return cls(entities=by_name)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AuditConfig:
        """Build a configuration from the ``[tool.opsgen.audit]`` table of pyproject.toml."""
        raw_entities = data.get("entities", {})
        if not isinstance(raw_entities, Mapping):
            raise AuditConfigError("[tool.opsgen.audit.entities] must be a table of entity tables")
        return cls.of(*(_entity_from_mapping(name, raw) for name, raw in raw_entities.items()))

    def entity(self, name: str) -> AuditedEntity:
        """Return the entity ``name``; raise ``KeyError`` listing the declared ones."""
        try:
            return self.entities[name]
        except KeyError:
            known = ", ".join(sorted(self.entities)) or "none"
            close = self.closest_entity(name)
            hint = f"; did you mean {close!r}?" if close else ""
            raise KeyError(f"no audited entity {name!r} (declared: {known}){hint}") from None

    def closest_entity(self, name: str) -> str | None:
        """Return the declared entity name closest to the misspelt ``name``, or None when none is close."""
        close = difflib.get_close_matches(name, sorted(self.entities), n=1, cutoff=0.6)
        return close[0] if close else None

    def for_table(self, table: str) -> AuditedEntity:
        """Return the entity recorded from ``table``; raise ``KeyError`` when none is."""
        for entity in self.entities.values():
            if entity.table == table:
                return entity
        raise KeyError(f"table {table!r} is not audited; declare it under [tool.opsgen.audit.entities]")


def _entity_from_mapping(name: str, raw: Any) -> AuditedEntity:
    if not isinstance(raw, Mapping):
        raise AuditConfigError(f"[tool.opsgen.audit.entities.{name}] must be a table")
    unknown = set(raw) - _ENTITY_KEYS
    if unknown:
        raise AuditConfigError(
            f"[tool.opsgen.audit.entities.{name}] has unknown keys {sorted(unknown)}; "
            f"allowed: {sorted(_ENTITY_KEYS)}"
        )
    return AuditedEntity(
        name=name,
        table=str(raw.get("table", name)),
        id_column=str(raw.get("id", "id")),
        sensitive=frozenset(_string_list(name, "sensitive", raw.get("sensitive", []))),
        exclude=frozenset(_string_list(name, "exclude", raw.get("exclude", []))),
        retention_days=raw.get("retention-days"),
        snapshot_every=int(raw.get("snapshot-every", 100)),
        capture=raw.get("capture", "row"),
    )


def _string_list(entity: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuditConfigError(f"[tool.opsgen.audit.entities.{entity}] {key} must be a list of column names")
    return list(value)


def load_config(pyproject: str | Path = "pyproject.toml") -> AuditConfig:
    """Read ``[tool.opsgen.audit]`` from a pyproject.toml; an absent section means no entities."""
    path = Path(pyproject)
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    section = document.get("tool", {}).get("opsgen", {}).get("audit", {})
    try:
        return AuditConfig.from_mapping(section)
    except AuditConfigError as exc:
        raise AuditConfigError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class FoundConfig:
    """The audit declaration found for a folder, and where it was looked for."""

    config: AuditConfig
    pyproject: Path | None
    start: Path

    def where(self) -> str:
        """Say which file was read, or from which folder the search went up."""
        if self.pyproject is not None:
            return str(self.pyproject)
        return f"no pyproject.toml with [tool.opsgen] in {self.start} or above"

    def nothing_declared(self, how_to_pass: str = "pass the file with --config") -> str:
        """Say that no entity is declared, where that was looked up and what to add.

        ``how_to_pass`` is how the caller names another pyproject.toml: the CLI option by
        default, the ``config`` argument for a Python caller.
        """
        return (
            f"no audited entities are declared ({self.where()}); add a table such as "
            '[tool.opsgen.audit.entities.billing_plan] with table = "billing_plans" '
            f"to the project's pyproject.toml, or {how_to_pass}"
        )


def find_config(start: Path | None = None) -> FoundConfig:
    """Load ``[tool.opsgen.audit]`` from the nearest pyproject.toml with ``[tool.opsgen]``.

    The search starts at ``start`` (the current folder by default) and goes up, as the
    rest of opsgen finds its settings. Without such a file the configuration is empty.
    """
    from opsgen.runtime.config import find_pyproject

    folder = (start or Path.cwd()).resolve()
    path = find_pyproject(folder)
    config = AuditConfig() if path is None else load_config(path)
    return FoundConfig(config=config, pyproject=path, start=folder)
