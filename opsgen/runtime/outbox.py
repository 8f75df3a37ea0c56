"""Delivery of durable effects from the ``opsgen_effects`` outbox.

Durable effect rows are written in the operation's transaction (see
:mod:`opsgen.runtime.effects`). A row is delivered by the first process that claims
it: the process that committed, right after the commit, or a dispatcher (``opsgen
outbox drain`` or ``opsgen outbox dispatch``) later. A claim is an ``UPDATE`` that succeeds
only on an unclaimed pending row, so two dispatchers never deliver the same row at the
same time, and it expires after a lease, so a row claimed by a process that died is
delivered again.

Delivery is at least once. A process can die after the handler returned and before
the row was marked delivered; the next dispatcher then delivers it again with the same
idempotency key, which the receiver uses to discard the repeat.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, update

from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.effects import EffectCall, PendingEffect
from opsgen.runtime.errors import EffectHandlerMissing
from opsgen.runtime.schema import EffectStatus, effects, executions
from opsgen.runtime.store import HOST, utcnow

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Seconds a claim on an outbox row lasts; a delivery that takes longer may be repeated.
CLAIM_LEASE = 60.0


def worker_id() -> str:
    """Return an id naming this process in ``claimed_by``."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DrainReport:
    """What one pass over the outbox did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    #: Pending rows not yet due when the pass ended: those scheduled for a retry in this
    #: pass and those scheduled by earlier attempts. Set by :func:`drain`.
    waiting: int = 0
    #: Due rows left pending because no handler is registered for them.
    unhandled: int = 0
    #: Due rows that another dispatcher claimed first.
    claimed_elsewhere: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Number of delivery attempts made."""
        return self.delivered + self.retrying + self.failed


def deliver_durable_now(runtime: Runtime, effect: PendingEffect) -> None:
    """Claim a just-committed durable effect and make its first delivery attempt."""
    claimant = worker_id()
    if not _claim(runtime, effect.id, claimant):
        return
    row = {"attempts": 0, "max_attempts": effect.retry.max_attempts}
    _attempt(runtime, effect.id, effect.name, effect.kind, row, effect.retry, effect.handler,
             effect.call(1), claimant, DrainReport())


def drain(runtime: Runtime, *, limit: int | None = None, wait: float = 0.0) -> DrainReport:
    """Deliver pending outbox rows that are due, oldest first.

    With ``wait`` greater than zero, keep going for up to that many seconds while rows
    are waiting for a retry. Raises nothing for a handler error: it is recorded on the
    row and counted in the report. ``waiting`` counts the pending rows left not yet due,
    and ``unhandled`` the due rows that have no handler, which stay pending.
    """
    report = DrainReport()
    _deliver_due(runtime, report, limit=limit, wait=wait)
    report.waiting = _waiting_count(runtime)
    return report


def _deliver_due(runtime: Runtime, report: DrainReport, *, limit: int | None, wait: float) -> None:
    deadline = time.monotonic() + wait
    claimant = worker_id()
    unhandled: set[str] = set()
    while True:
        due = [row for row in _due_rows(runtime, limit) if row["id"] not in unhandled]
        for row in due:
            if limit is not None and report.attempted >= limit:
                return
            if not _deliver_row(runtime, row, claimant, report):
                unhandled.add(row["id"])
                report.unhandled = len(unhandled)
        if time.monotonic() >= deadline or (limit is not None and report.attempted >= limit):
            return
        if not due:
            if _pending_count(runtime) <= len(unhandled):
                return
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def dispatch_forever(
    runtime: Runtime, *, poll_interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False
) -> None:
    """Drain the outbox every ``poll_interval`` seconds until ``should_stop()`` returns true."""
    logger.info("outbox dispatcher started, polling every %.1f s", poll_interval)
    while not should_stop():
        report = drain(runtime)
        if report.attempted:
            logger.info(
                "outbox pass: %d delivered, %d to retry, %d failed",
                report.delivered,
                report.retrying,
                report.failed,
            )
        if not report.attempted:
            time.sleep(poll_interval)
    logger.info("outbox dispatcher stopped")


def _due_rows(runtime: Runtime, limit: int | None) -> list[dict[str, Any]]:
    """Return the due rows, each with the ``operation`` that requested it (``None`` without a record)."""
    now = utcnow()
    query = (
        select(effects, executions.c.operation)
        .outerjoin(executions, executions.c.id == effects.c.execution_id)
        .where(
            effects.c.status == EffectStatus.pending.value,
            or_(effects.c.next_attempt_at.is_(None), effects.c.next_attempt_at <= now),
            or_(effects.c.claimed_until.is_(None), effects.c.claimed_until < now),
        )
        .order_by(effects.c.created_at, effects.c.sequence)
        .limit(limit or 100)
    )
    with runtime.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _waiting_count(runtime: Runtime) -> int:
    """Count pending rows whose next attempt is still in the future."""
    query = select(func.count()).select_from(effects).where(
        effects.c.status == EffectStatus.pending.value,
        effects.c.next_attempt_at.is_not(None),
        effects.c.next_attempt_at > utcnow(),
    )
    with runtime.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _pending_count(runtime: Runtime) -> int:
    query = select(effects.c.id).where(effects.c.status == EffectStatus.pending.value).limit(1)
    with runtime.engine.connect() as connection:
        return len(connection.execute(query).all())


def _deliver_row(runtime: Runtime, row: dict[str, Any], claimant: str, report: DrainReport) -> bool:
    """Claim and deliver one row; return ``False`` when no handler is registered for it."""
    try:
        handler = runtime.resolve_effect_handler(row["name"], row["kind"], _requesting_operation(runtime, row))
    except EffectHandlerMissing as exc:
        report.errors.append(str(exc))
        logger.error("cannot deliver outbox row %s of execution %s: %s", row["id"], row["execution_id"], exc)
        return False
    if not _claim(runtime, row["id"], claimant):
        report.claimed_elsewhere += 1
        return True

    retry = RetryPolicy(row["max_attempts"], row["backoff"], row["multiplier"], row["max_delay"])
    call = EffectCall(
        row["name"], row["kind"], dict(row["payload"] or {}), row["idempotency_key"],
        row["execution_id"], row["attempts"] + 1,
    )
    _attempt(runtime, row["id"], row["name"], row["kind"], row, retry, handler, call, claimant, report)
    return True


def _requesting_operation(runtime: Runtime, row: dict[str, Any]) -> str | None:
    """Return the operation that requested the effect of ``row``, for its ``operation.effect`` handler.

    The join in :func:`_due_rows` finds it in the log. A record staged in the SQLite
    live file is not there yet, so the store, which merges the live rows, is asked next.
    """
    if row.get("operation"):
        return str(row["operation"])
    if not runtime.log_enabled:
        # NOTE: with log-enabled = false no record names the operation, so a retry
        # finds only a handler registered for the effect name or kind.
        return None
    record = runtime.store.find_execution(row["execution_id"])
    return str(record["operation"]) if record is not None else None


def _claim(runtime: Runtime, effect_id: str, claimant: str) -> bool:
    now = utcnow()
    statement = (
        update(effects)
        .where(
            and_(
                effects.c.id == effect_id,
                effects.c.status == EffectStatus.pending.value,
                or_(effects.c.claimed_until.is_(None), effects.c.claimed_until < now),
            )
        )
        .values(claimed_by=claimant, claimed_until=now + timedelta(seconds=CLAIM_LEASE))
    )
    with runtime.engine.begin() as connection:
        return bool(connection.execute(statement).rowcount)


def _attempt(
    runtime: Runtime,
    effect_id: str,
    name: str,
    kind: str,
    row: dict[str, Any],
    retry: RetryPolicy,
    handler: Callable[[EffectCall], object],
    call: EffectCall,
    claimant: str,
    report: DrainReport,
) -> None:
    attempts = int(row["attempts"]) + 1
    try:
        handler(call)
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried later
        error = f"{type(exc).__name__}: {exc}"
        if attempts >= retry.max_attempts:
            changes: dict[str, Any] = {"status": EffectStatus.failed.value}
            report.failed += 1
            logger.error(
                "effect %s (%s) of execution %s failed for good after %d attempts: %s",
                name, kind, call.execution_id, attempts, error,
                extra={"execution_id": call.execution_id, "effect": name},
            )
        else:
            delay = retry.delay(attempts)
            changes = {"next_attempt_at": utcnow() + timedelta(seconds=delay)}
            report.retrying += 1
            logger.warning(
                "effect %s (%s) of execution %s failed on attempt %d of %d; the next attempt is due in %.1f s, "
                "made by a running dispatcher or the next `opsgen outbox drain`: %s",
                name, kind, call.execution_id, attempts, retry.max_attempts, delay, error,
                extra={"execution_id": call.execution_id, "effect": name},
            )
        changes.update(attempts=attempts, last_error=error)
        report.errors.append(f"{name} ({effect_id}): {error}")
    else:
        changes = {"status": EffectStatus.delivered.value, "attempts": attempts, "delivered_at": utcnow()}
        report.delivered += 1
        logger.info(
            "delivered durable effect %s (%s) of execution %s, attempt %d",
            name, kind, call.execution_id, attempts,
            extra={"execution_id": call.execution_id, "effect": name},
        )

    changes.update(claimed_by=None, claimed_until=None)
    statement = update(effects).where(effects.c.id == effect_id, effects.c.claimed_by == claimant)
    with runtime.engine.begin() as connection:
        connection.execute(statement.values(changes))
