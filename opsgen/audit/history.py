"""Reading the audit trail: versions of an entity, diffs, states "as of", and per-execution changes.

Every function takes an open SQLAlchemy connection and only reads, except
:func:`take_snapshot`, which writes one snapshot row. States are plain dicts of the
recorded JSON values: numbers with a fraction come back as ``Decimal`` so that amounts
stay exact, dates and times as the ISO text the database printed, sensitive columns as
``"***"`` (or None when they were null).

Rebuilding a state starts from the newest snapshot at or before the requested version and
replays the changes after it, so its cost is bounded by the snapshot interval, not by the
length of the history.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from opsgen.audit.schema import ACTIONS, change_table, snapshot_table, transaction_table, version_table

#: A rebuilt row: column -> recorded value; None when the entity did not exist.
State = dict[str, Any]


class HistoryPruned(LookupError):
    """The requested version or time is older than the retained history."""


class HistoryNotRecorded(LookupError):
    """The requested time is before the triggers were installed on a row that existed then.

    The row existed, but its state at that time is unknown: the earliest known state is
    the version 0 baseline taken at install time.
    """


@dataclass(frozen=True)
class Version:
    """One recorded change of an entity: what changed, when, and who or what changed it.

    ``changes`` is the full row for an insert, delete or truncate, and
    ``{column: [before, after]}`` for an update. ``unexpected`` is true when no
    operation of the transaction's call tree that had run by the time of the change
    lists the entity in its spec's ``audit.changes`` (see :mod:`opsgen.audit.call_tree`).
    It is false for raw writes and for writes whose context carries no declaration.
    """

    entity: str
    entity_id: str
    version: int
    action: str
    changes: dict[str, Any]
    committed_at: datetime
    origin: str
    execution_id: str | None
    actor: str | None
    operation: str | None
    trace_id: str | None
    db_user: str | None
    application_name: str | None
    unexpected: bool

    def diff(self) -> dict[str, tuple[Any, Any]]:
        """Return ``{column: (before, after)}``; None stands for "no row" on inserts and deletes."""
        return change_pairs(self.action, self.changes)


def change_pairs(action: str, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Return ``{column: (before, after)}`` of a recorded change; None stands for "no row" on inserts and deletes."""
    if action == "update":
        return {column: (pair[0], pair[1]) for column, pair in changes.items()}
    if action == "insert":
        return {column: (None, value) for column, value in changes.items()}
    return {column: (value, None) for column, value in changes.items()}


def entity_id_text(connection: sa.Connection, entity_id: Any) -> str:
    """Return ``entity_id`` as the triggers store it: the id column's value printed as text."""
    if isinstance(entity_id, uuid.UUID):
        # SQLAlchemy stores a UUID in SQLite as 32 hex digits without dashes.
        return entity_id.hex if connection.dialect.name == "sqlite" else str(entity_id)
    return str(entity_id)


def load_json(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        return json.loads(value, parse_float=Decimal)
    return value


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


_VERSION_COLUMNS = (
    change_table.c.entity,
    change_table.c.entity_id,
    change_table.c.version,
    change_table.c.action,
    sa.cast(change_table.c.changes, sa.Text).label("changes"),
    change_table.c.committed_at,
    transaction_table.c.origin,
    transaction_table.c.execution_id,
    transaction_table.c.actor,
    transaction_table.c.operation,
    transaction_table.c.trace_id,
    transaction_table.c.db_user,
    transaction_table.c.application_name,
    transaction_table.c.expected,
)

_JOINED = change_table.outerjoin(transaction_table, transaction_table.c.id == change_table.c.transaction_id)


def _version_from_row(row: sa.Row[Any]) -> Version:
    expected = load_json(row.expected) if row.expected else None
    return Version(
        entity=row.entity,
        entity_id=row.entity_id,
        version=int(row.version),
        action=ACTIONS.get(row.action, row.action),
        changes=load_json(row.changes),
        committed_at=_aware(row.committed_at),
        origin=row.origin or "raw",
        execution_id=row.execution_id,
        actor=row.actor,
        operation=row.operation,
        trace_id=row.trace_id,
        db_user=row.db_user,
        application_name=row.application_name,
        unexpected=expected is not None and row.entity not in expected,
    )


def history(
    connection: sa.Connection,
    entity: str,
    entity_id: Any,
    *,
    limit: int = 50,
    before_version: int | None = None,
) -> list[Version]:
    """Return up to ``limit`` versions of one entity, newest first.

    Pass the last version of a page as ``before_version`` to read the next one. Each
    page is one range scan of the (entity, entity_id, version) index, however long the
    history is.
    """
    query = (
        sa.select(*_VERSION_COLUMNS)
        .select_from(_JOINED)
        .where(change_table.c.entity == entity, change_table.c.entity_id == entity_id_text(connection, entity_id))
        .order_by(change_table.c.version.desc())
        .limit(limit)
    )
    if before_version is not None:
        query = query.where(change_table.c.version < before_version)
    return [_version_from_row(row) for row in connection.execute(query)]


def changes_for_execution(connection: sa.Connection, execution_id: str) -> list[Version]:
    """Return every change recorded under ``execution_id``, in commit order."""
    return changes_for_executions(connection, [execution_id])


def changes_for_executions(connection: sa.Connection, execution_ids: Iterable[str]) -> list[Version]:
    """Return every change recorded under any of ``execution_ids``, in commit order.

    A transaction records its changes under the execution that opened it: the root of a
    call tree, a nested call that opened a transaction of its own, or a queued call that
    a worker ran. So the changes of a whole call tree are those of all its executions'
    ids, and ``Version.execution_id`` names the execution of each change.
    """
    ids = sorted({str(execution_id) for execution_id in execution_ids})
    if not ids:
        return []
    query = (
        sa.select(*_VERSION_COLUMNS)
        .select_from(_JOINED)
        .where(transaction_table.c.execution_id.in_(ids))
        .order_by(change_table.c.committed_at, change_table.c.id)
    )
    return [_version_from_row(row) for row in connection.execute(query)]


def unexpected_changes(connection: sa.Connection, *, since: datetime | None = None, limit: int = 1000) -> list[Version]:
    """Return changes made by operations whose spec does not list the changed entity, newest first."""
    query = (
        sa.select(*_VERSION_COLUMNS)
        .select_from(_JOINED)
        .where(
            transaction_table.c.expected.is_not(None),
            # ``expected`` is a JSON array of entity names, and names are identifiers, so
            # a quoted name that does not occur in the text is not in the array.
            sa.func.instr(transaction_table.c.expected, '"' + change_table.c.entity + '"') == 0
            if connection.dialect.name == "sqlite"
            else sa.func.strpos(transaction_table.c.expected, '"' + change_table.c.entity + '"') == 0,
        )
        .order_by(change_table.c.committed_at.desc(), change_table.c.id.desc())
    )
    if since is not None:
        query = query.where(change_table.c.committed_at >= since)
    found: list[Version] = []
    for partition in connection.execute(query).partitions(500):
        found.extend(version for version in map(_version_from_row, partition) if version.unexpected)
        if len(found) >= limit:
            break
    return found[:limit]


def apply_change(state: State | None, action: str, changes: dict[str, Any]) -> State | None:
    if action in ("D", "T"):
        return None
    if action == "I":
        return dict(changes)
    rebuilt = dict(state or {})
    for column, pair in changes.items():
        rebuilt[column] = pair[1]
    return rebuilt


def state_at_version(connection: sa.Connection, entity: str, entity_id: Any, version: int) -> State | None:
    """Rebuild the entity as it was right after ``version`` committed; None if it did not exist.

    Raises :class:`HistoryPruned` when retention removed the changes that version needs,
    and ``LookupError`` when the version was never recorded.
    """
    key = entity_id_text(connection, entity_id)
    snapshot = connection.execute(
        sa.select(snapshot_table.c.version, sa.cast(snapshot_table.c.state, sa.Text).label("state"))
        .where(
            snapshot_table.c.entity == entity,
            snapshot_table.c.entity_id == key,
            snapshot_table.c.version <= version,
        )
        .order_by(snapshot_table.c.version.desc())
        .limit(1)
    ).first()
    start = 0 if snapshot is None else int(snapshot.version)
    state: State | None = None if snapshot is None else load_json(snapshot.state)

    rows = connection.execute(
        sa.select(change_table.c.version, change_table.c.action, sa.cast(change_table.c.changes, sa.Text).label("changes"))
        .where(
            change_table.c.entity == entity,
            change_table.c.entity_id == key,
            change_table.c.version > start,
            change_table.c.version <= version,
        )
        .order_by(change_table.c.version)
    ).all()
    if start == version:
        return state
    if not rows or int(rows[-1].version) != version:
        if 0 < version <= _last_version(connection, entity, key):
            raise HistoryPruned(f"{entity} {key}: version {version} is older than the retained history")
        raise LookupError(f"{entity} {key} has no version {version}")
    if int(rows[0].version) != start + 1:
        raise HistoryPruned(f"{entity} {key}: the changes before version {rows[0].version} were pruned")
    for row in rows:
        state = apply_change(state, row.action, load_json(row.changes))
    return state


def version_at(connection: sa.Connection, entity: str, entity_id: Any, moment: datetime) -> int | None:
    """Return the last version committed at or before ``moment``; None if there was none."""
    key = entity_id_text(connection, entity_id)
    found = connection.execute(
        sa.select(sa.func.max(change_table.c.version)).where(
            change_table.c.entity == entity,
            change_table.c.entity_id == key,
            change_table.c.committed_at <= moment,
        )
    ).scalar()
    if found is not None:
        return int(found)
    snapshot = connection.execute(
        sa.select(sa.func.max(snapshot_table.c.version)).where(
            snapshot_table.c.entity == entity,
            snapshot_table.c.entity_id == key,
            snapshot_table.c.committed_at <= moment,
        )
    ).scalar()
    return None if snapshot is None else int(snapshot)


def as_of(connection: sa.Connection, entity: str, entity_id: Any, moment: datetime) -> State | None:
    """Rebuild the entity as it was at ``moment`` (commit time); None if it did not exist then."""
    if moment.tzinfo is None:
        raise ValueError(f"as_of needs a timezone-aware time, got {moment.isoformat()}")
    if connection.dialect.name == "sqlite":
        # SQLite stores UTC text without an offset, so compare in the same form.
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    version = version_at(connection, entity, entity_id, moment)
    if version is None:
        key = entity_id_text(connection, entity_id)
        if _history_starts_late(connection, entity, key):
            raise HistoryPruned(f"{entity} {entity_id}: {moment.isoformat()} is older than the retained history")
        start = baseline(connection, entity, entity_id)
        if start is not None:
            raise HistoryNotRecorded(
                f"{entity} {entity_id}: no history before {start[0].isoformat()}, when the audit triggers were "
                f"installed; the earliest known state is version 0 (baseline) at that time"
            )
        return None
    return state_at_version(connection, entity, entity_id, version)


def baseline(connection: sa.Connection, entity: str, entity_id: Any) -> tuple[datetime, State | None] | None:
    """Return the time and state of the version 0 baseline taken at install; None without one.

    Only rows that existed when the triggers were installed have a baseline.
    """
    found = connection.execute(
        sa.select(snapshot_table.c.committed_at, sa.cast(snapshot_table.c.state, sa.Text).label("state")).where(
            snapshot_table.c.entity == entity,
            snapshot_table.c.entity_id == entity_id_text(connection, entity_id),
            snapshot_table.c.version == 0,
        )
    ).first()
    return None if found is None else (_aware(found.committed_at), load_json(found.state))


def _last_version(connection: sa.Connection, entity: str, key: str) -> int:
    found = connection.execute(
        sa.select(version_table.c.last_version).where(version_table.c.entity == entity, version_table.c.entity_id == key)
    ).scalar()
    return 0 if found is None else int(found)


def _has_later_snapshot(connection: sa.Connection, entity: str, key: str, version: int) -> bool:
    found = connection.execute(
        sa.select(sa.literal(1)).where(
            snapshot_table.c.entity == entity,
            snapshot_table.c.entity_id == key,
            snapshot_table.c.version > version,
        )
    ).first()
    return found is not None


def _history_starts_late(connection: sa.Connection, entity: str, key: str) -> bool:
    # Version 1 is gone while later history remains: retention removed the beginning.
    first = connection.execute(
        sa.select(sa.func.min(change_table.c.version)).where(
            change_table.c.entity == entity, change_table.c.entity_id == key
        )
    ).scalar()
    if first is not None:
        return int(first) > 1
    return _has_later_snapshot(connection, entity, key, 0)


def diff(connection: sa.Connection, entity: str, entity_id: Any, first: int, second: int) -> dict[str, tuple[Any, Any]]:
    """Return ``{column: (value at first, value at second)}`` for the columns that differ.

    A column missing on one side (the entity did not exist at that version) shows as None.
    """
    before = state_at_version(connection, entity, entity_id, first) or {}
    after = state_at_version(connection, entity, entity_id, second) or {}
    columns = list(dict.fromkeys([*before, *after]))
    return {
        column: (before.get(column), after.get(column))
        for column in columns
        if before.get(column) != after.get(column)
    }


def take_snapshot(connection: sa.Connection, entity: str, entity_id: Any, version: int) -> bool:
    """Store the rebuilt state at ``version`` as a snapshot; return False if one already exists."""
    key = entity_id_text(connection, entity_id)
    exists = connection.execute(
        sa.select(sa.literal(1)).where(
            snapshot_table.c.entity == entity,
            snapshot_table.c.entity_id == key,
            snapshot_table.c.version == version,
        )
    ).first()
    if exists is not None:
        return False
    state = state_at_version(connection, entity, key, version)
    committed_at = connection.execute(
        sa.select(change_table.c.committed_at).where(
            change_table.c.entity == entity,
            change_table.c.entity_id == key,
            change_table.c.version == version,
        )
    ).scalar_one()
    insert_snapshot(connection, entity, key, version, committed_at, state)
    return True


def insert_snapshot(
    connection: sa.Connection, entity: str, key: str, version: int, committed_at: Any, state: State | None
) -> None:
    """Store ``state`` as the snapshot of ``version``; ``None`` records that the entity was deleted."""
    cast = "CAST(:state AS jsonb)" if connection.dialect.name == "postgresql" else ":state"
    connection.execute(
        sa.text(
            "INSERT INTO opsgen_audit_snapshot (entity, entity_id, version, committed_at, state) "
            f"VALUES (:entity, :entity_id, :version, :committed_at, {cast})"
        ),
        {
            "entity": entity,
            "entity_id": key,
            "version": version,
            "committed_at": committed_at,
            "state": dumps_json(state),
        },
    )


def dumps_json(value: Any, *, indent: int | None = None) -> str:
    """Serialize recorded values to JSON, writing ``Decimal`` values as numbers with all their digits."""
    exact: dict[str, str] = {}

    def placeholder(item: Any) -> Any:
        if isinstance(item, Decimal):
            token = f"\x00decimal{len(exact)}\x00"
            exact[json.dumps(token)] = str(item)
            return token
        if isinstance(item, datetime):
            return item.isoformat()
        raise TypeError(f"cannot write {type(item).__name__} as audit JSON")

    separators = (",", ":") if indent is None else None
    text = json.dumps(value, default=placeholder, separators=separators, indent=indent)
    for token, digits in exact.items():
        text = text.replace(token, digits)
    return text
