"""Periodic upkeep of the audit trail: snapshots and retention.

Neither runs inside a capture trigger, so a write never pays for them. Run
``opsgen audit snapshot`` and ``opsgen audit prune`` from a scheduler (cron, a periodic
Celery task), or call :func:`take_snapshots` and :func:`prune` from one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from opsgen.audit.config import AuditConfig, AuditedEntity
from opsgen.audit.history import apply_change, insert_snapshot, load_json, state_at_version, take_snapshot
from opsgen.audit.schema import change_table, snapshot_table, transaction_table, version_table

logger = logging.getLogger(__name__)


def snapshot_entity(connection: sa.Connection, entity: AuditedEntity) -> int:
    """Snapshot every ``snapshot_every``-th version of ``entity`` that has no snapshot yet.

    Each instance is replayed once from its newest snapshot, so a long backlog costs one
    pass. Returns the number of snapshots written.
    """
    last_snapshot = (
        sa.select(sa.func.coalesce(sa.func.max(snapshot_table.c.version), 0))
        .where(snapshot_table.c.entity == version_table.c.entity, snapshot_table.c.entity_id == version_table.c.entity_id)
        .scalar_subquery()
    )
    due = connection.execute(
        sa.select(version_table.c.entity_id, last_snapshot).where(
            version_table.c.entity == entity.name,
            version_table.c.last_version - last_snapshot >= entity.snapshot_every,
        )
    ).all()
    written = 0
    for entity_id, snapshot_version in due:
        written += _snapshot_instance(connection, entity, str(entity_id), int(snapshot_version))
    logger.info("entity %s: wrote %d audit snapshots", entity.name, written)
    return written


def _snapshot_instance(connection: sa.Connection, entity: AuditedEntity, entity_id: str, start: int) -> int:
    try:
        state = state_at_version(connection, entity.name, entity_id, start) if start else None
    except LookupError:
        # Retention removed the changes before the newest snapshot: nothing to replay from.
        return 0
    changes = connection.execute(
        sa.select(
            change_table.c.version,
            change_table.c.action,
            sa.cast(change_table.c.changes, sa.Text).label("changes"),
            change_table.c.committed_at,
        )
        .where(
            change_table.c.entity == entity.name,
            change_table.c.entity_id == entity_id,
            change_table.c.version > start,
        )
        .order_by(change_table.c.version)
    )
    written = 0
    for row in changes:
        state = apply_change(state, row.action, load_json(row.changes))
        if int(row.version) % entity.snapshot_every == 0:
            insert_snapshot(connection, entity.name, entity_id, int(row.version), row.committed_at, state)
            written += 1
    return written


def take_snapshots(connection: sa.Connection, config: AuditConfig) -> dict[str, int]:
    """Run :func:`snapshot_entity` for every declared entity; return the count per entity."""
    return {name: snapshot_entity(connection, entity) for name, entity in config.entities.items()}


@dataclass(frozen=True)
class PruneResult:
    """The cutoff and the row counts of one :func:`prune_entity` call."""

    entity: str
    cutoff: datetime
    changes_deleted: int
    snapshots_deleted: int


def prune_entity(connection: sa.Connection, entity: AuditedEntity, *, now: datetime | None = None) -> PruneResult | None:
    """Delete the history of ``entity`` older than its retention period.

    Each instance keeps a snapshot of its state at the cutoff, so "as of" any time after
    the cutoff still works; earlier times raise ``HistoryPruned``. Returns None when the
    entity declares no retention.
    """
    if entity.retention_days is None:
        return None
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=entity.retention_days)
    if connection.dialect.name == "sqlite":
        cutoff = cutoff.astimezone(timezone.utc).replace(tzinfo=None)

    # The last version before the cutoff of each instance becomes its new starting point.
    boundaries = connection.execute(
        sa.select(change_table.c.entity_id, sa.func.max(change_table.c.version))
        .where(change_table.c.entity == entity.name, change_table.c.committed_at < cutoff)
        .group_by(change_table.c.entity_id)
    ).all()

    changes_deleted = 0
    snapshots_deleted = 0
    for entity_id, boundary in boundaries:
        boundary = int(boundary)
        take_snapshot(connection, entity.name, entity_id, boundary)
        changes_deleted += connection.execute(
            change_table.delete().where(
                change_table.c.entity == entity.name,
                change_table.c.entity_id == entity_id,
                change_table.c.version <= boundary,
            )
        ).rowcount
        snapshots_deleted += connection.execute(
            snapshot_table.delete().where(
                snapshot_table.c.entity == entity.name,
                snapshot_table.c.entity_id == entity_id,
                snapshot_table.c.version < boundary,
            )
        ).rowcount

    connection.execute(
        transaction_table.delete().where(
            transaction_table.c.committed_at < cutoff,
            ~sa.exists().where(change_table.c.transaction_id == transaction_table.c.id),
        )
    )
    logger.info(
        "entity %s: pruned %d changes and %d snapshots committed before %s",
        entity.name,
        changes_deleted,
        snapshots_deleted,
        cutoff.isoformat(),
    )
    return PruneResult(entity.name, cutoff, changes_deleted, snapshots_deleted)


def prune(connection: sa.Connection, config: AuditConfig, *, now: datetime | None = None) -> list[PruneResult]:
    """Run :func:`prune_entity` for every declared entity that has a retention period."""
    results = []
    for entity in config.entities.values():
        result = prune_entity(connection, entity, now=now)
        if result is not None:
            results.append(result)
    return results
