"""Read the outbox, and put failed durable effects back into it.

``opsgen outbox list`` and ``opsgen outbox retry`` call these functions. A retry turns a
``failed`` durable effect into a ``pending`` one with a fresh attempt budget:
``attempts`` goes back to 0, and ``max_attempts`` keeps the budget of the effect's retry
policy unless the caller sets another. The dispatcher then delivers the row like a new
one, with the same idempotency key, so a receiver still discards repeats.

The effects table has no column for a re-queue, so ``last_error`` records it: who
re-queued the row, when, after how many attempts, and the error those attempts ended
with. The next failed attempt replaces that text with its own error. Every re-queue is
also logged on this module's logger.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, update

from opsgen.runtime.plural import counted
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import EffectStatus, effects, executions
from opsgen.runtime.store import HOST, utcnow

logger = logging.getLogger(__name__)

#: Columns read for listing. ``payload`` is left out: the outbox keeps it unredacted.
LISTED_COLUMNS = tuple(column for column in effects.c if column.name != "payload")


@dataclass
class RequeueReport:
    """The rows one retry put back to pending, and why others were left as they were."""

    requeued: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def default_requeuer() -> str:
    """Return ``user@host`` of this process, recorded as who re-queued an effect."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        # getpass raises when neither the environment nor the password database names the user.
        user = "unknown"
    return f"{user}@{HOST}"


def list_outbox(
    runtime: Runtime,
    *,
    statuses: Sequence[str] = (),
    effect: str | None = None,
    operation: str | None = None,
    limit: int | None = 50,
) -> list[dict[str, Any]]:
    """Return durable effect rows, newest first, each with the ``operation`` that requested it.

    ``operation`` is ``None`` for a row whose execution record is not in the log. The
    rows carry ``payload_redacted``, never the unredacted ``payload``.
    """
    query = _listing().order_by(effects.c.created_at.desc(), effects.c.sequence.desc())
    if statuses:
        query = query.where(effects.c.status.in_(list(statuses)))
    if effect:
        query = query.where(effects.c.name == effect)
    if operation:
        query = query.where(executions.c.operation == operation)
    if limit is not None:
        query = query.limit(limit)
    with runtime.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def find_effects(runtime: Runtime, ids: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the effect rows that ``ids`` name (full ids or unique prefixes), and an error per id that names none."""
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    with runtime.engine.connect() as connection:
        for effect_id in ids:
            rows = connection.execute(_listing(durable_only=False).where(effects.c.id == effect_id)).all()
            if not rows:
                prefixed = _listing(durable_only=False).where(effects.c.id.startswith(effect_id, autoescape=True))
                rows = connection.execute(prefixed.limit(5)).all()
            if not rows:
                errors.append(f"no effect with id {effect_id!r}; `opsgen outbox list` shows the ids")
            elif len(rows) > 1:
                errors.append(f"effect id prefix {effect_id!r} matches several: {', '.join(row.id for row in rows)}")
            elif rows[0].id not in {row["id"] for row in found}:
                found.append(dict(rows[0]._mapping))
    return found, errors


def requeue(
    runtime: Runtime, rows: Sequence[dict[str, Any]], *, by: str, max_attempts: int | None = None
) -> RequeueReport:
    """Put the failed durable effects among ``rows`` back to pending, with a fresh attempt budget.

    A row that is not a failed durable effect is left as it is, with an error in the
    report. The change is conditional on the row still being ``failed``, so two retries
    at once re-queue a row once. ``max_attempts`` replaces the row's budget when set.
    """
    report = RequeueReport()
    now = utcnow()
    with runtime.engine.begin() as connection:
        for row in rows:
            problem = _not_retryable(row)
            if problem is not None:
                report.errors.append(problem)
                continue
            note = (
                f"re-queued by {by} at {now.isoformat(timespec='seconds')} after {counted(row['attempts'], 'attempt')}; "
                f"last error: {row['last_error'] or 'none'}"
            )
            changes = {
                "status": EffectStatus.pending.value,
                "attempts": 0,
                "max_attempts": max_attempts or row["max_attempts"],
                "next_attempt_at": None,
                "claimed_by": None,
                "claimed_until": None,
                "claimed_process": None,
                "last_error": note,
            }
            statement = update(effects).where(
                effects.c.id == row["id"], effects.c.status == EffectStatus.failed.value, effects.c.durable
            )
            if not connection.execute(statement.values(changes)).rowcount:
                report.errors.append(f"effect {row['id']} ({row['name']}) is no longer failed: another process changed it")
                continue
            report.requeued.append({**row, **changes})
            logger.info(
                "re-queued durable effect %s (%s) of execution %s by %s after %s",
                row["id"], row["name"], row["execution_id"], by, counted(row["attempts"], "attempt"),
                extra={"execution_id": row["execution_id"], "effect": row["name"]},
            )
    return report


def _not_retryable(row: dict[str, Any]) -> str | None:
    """Return why ``row`` cannot be re-queued, or ``None`` when it can."""
    label = f"effect {row['id']} ({row['name']})"
    if not row["durable"]:
        return f"{label} is not durable: its payload was not kept, so it cannot be delivered again"
    if row["status"] != EffectStatus.failed.value:
        return f"{label} is {row['status']}, not failed; only failed effects can be retried"
    return None


def _listing(*, durable_only: bool = True) -> Select[Any]:
    query = select(*LISTED_COLUMNS, executions.c.operation).outerjoin(
        executions, executions.c.id == effects.c.execution_id
    )
    return query.where(effects.c.durable) if durable_only else query
