"""Delivery of durable effects from the ``opsgen_effects`` outbox.

Durable effect rows are written in the operation's transaction (see
:mod:`opsgen.runtime.effects`). A row is delivered by the first process that claims
it: the process that committed, right after the commit, or a dispatcher (``opsgen
outbox drain`` or ``opsgen outbox dispatch``) later. A claim is an ``UPDATE`` that succeeds
only on a pending row that no other dispatcher has claimed or attempted since it was read,
so two dispatchers deliver the same row at the same time only when a delivery outlasts
its claim.

A claim records the claimant's process (see :mod:`opsgen.runtime.locks.holders`) and
expires after :data:`CLAIM_LEASE`. A dispatcher takes over a claim that has expired, or
at once a claim whose process on this machine has ended. A claim still on a row means
an attempt that never finished, so the takeover counts that attempt against the row's
budget: an effect whose handler kills its process ends ``failed`` after its maximum
number of attempts instead of being retried forever.

Delivery is at least once. A process can die after the handler returned and before
the row was marked delivered; the next dispatcher then delivers it again with the same
idempotency key, which the receiver uses to discard the repeat.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update

from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.effects import EffectCall, PendingEffect
from opsgen.runtime.errors import EffectHandlerMissing
from opsgen.runtime.locks.holders import holder_ended, process_identity
from opsgen.runtime.schema import EffectStatus, effects, executions
from opsgen.runtime.store import HOST, utcnow

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Seconds a claim on an outbox row lasts; a delivery that takes longer may be repeated.
CLAIM_LEASE = 60.0

#: Rows a dispatcher reads per query. A run keeps one page of rows in memory at a time.
PAGE_SIZE = 100


def worker_id() -> str:
    """Return an id naming this process in ``claimed_by``."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class ForeignClaim:
    """A due row that a run left undelivered because another dispatcher had claimed it."""

    effect_id: str
    name: str
    execution_id: str
    #: The claimant (``host:pid:suffix``), or ``None`` when it released the row meanwhile.
    claimed_by: str | None
    #: When the claim expires, in UTC, or ``None`` when it was released meanwhile.
    claimed_until: datetime | None


@dataclass
class DrainReport:
    """Counts of one drain run: its delivery attempts, and the rows it left in the outbox."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    #: Pending rows waiting for a retry when the run ended: those whose next attempt is
    #: not yet due, and those whose attempt in this run failed with a retry due at once.
    #: Set by :func:`drain`.
    waiting: int = 0
    #: When the first of the ``waiting`` rows falls due, in UTC, or ``None`` without any.
    next_retry_at: datetime | None = None
    #: Due rows left pending because no handler is registered for them.
    unhandled: int = 0
    #: Due rows that another dispatcher held claimed, so this run did not attempt them.
    claimed_elsewhere: int = 0
    #: Those of them still pending and due when the run ended. Set by :func:`drain`.
    left_claimed: list[ForeignClaim] = field(default_factory=list)
    #: Unclaimed due rows that the run did not attempt: past ``limit``, or fallen due or
    #: committed after its last pass started. Set by :func:`drain`.
    left_due: int = 0
    #: Whether the run stopped at ``limit`` with due rows still unread.
    stopped_at_limit: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Number of delivery attempts made."""
        return self.delivered + self.retrying + self.failed


class _Outcome(Enum):
    """Outcome of one due row in a delivery pass."""

    SETTLED = "delivered or failed for good"
    RETRYING = "attempted, with a retry scheduled"
    UNHANDLED = "unhandled"
    CLAIMED_ELSEWHERE = "claimed elsewhere"


@dataclass
class _Undelivered:
    """Ids of the due rows a run read and did not deliver, by reason.

    Only ids are kept, so a run keeps one page of rows in memory at a time, plus an id
    for each row it leaves undelivered.
    """

    unhandled: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)
    retrying: set[str] = field(default_factory=set)

    def record(self, effect_id: str, outcome: _Outcome) -> None:
        """Note the outcome of ``effect_id`` in this pass, replacing that of an earlier pass."""
        self.claimed.discard(effect_id)
        self.retrying.discard(effect_id)
        if outcome is _Outcome.UNHANDLED:
            self.unhandled.add(effect_id)
        elif outcome is _Outcome.CLAIMED_ELSEWHERE:
            self.claimed.add(effect_id)
        elif outcome is _Outcome.RETRYING:
            self.retrying.add(effect_id)


def deliver_durable_now(runtime: Runtime, effect: PendingEffect) -> None:
    """Claim a just-committed durable effect and make its first delivery attempt."""
    claimant = worker_id()
    row = {"id": effect.id, "attempts": 0, "max_attempts": effect.retry.max_attempts, "claimed_by": None}
    if not _claim(runtime, row, claimant, utcnow()):
        return
    _attempt(runtime, effect.id, effect.name, effect.kind, row, effect.retry, effect.handler,
             effect.call(1), claimant, DrainReport())


def drain(runtime: Runtime, *, limit: int | None = None, wait: float = 0.0) -> DrainReport:
    """Deliver the pending outbox rows that are due, oldest first, reading them page by page.

    A pass reads every pending row that was created and due when the pass started, in
    pages of :data:`PAGE_SIZE`, and attempts each of them at most once. A row whose
    attempt fails is not attempted again in that pass, even when its retry is due at
    once. Rows created or falling due after the pass started are not read by it: they are
    left to the next pass, to the process that committed them, or to a dispatcher. Without
    ``wait`` a run makes one pass. With ``wait`` greater than zero it makes further
    passes for up to that many seconds while rows wait for a retry or are held by
    another dispatcher. ``limit`` caps the number of attempts.

    Raises nothing for a handler error: it is recorded on the row and counted in the
    report. When the run ends the report counts what it left: ``waiting`` the rows that
    wait for a retry, ``unhandled`` the due rows that have no handler, ``left_claimed``
    the due rows that another dispatcher holds, and ``left_due`` the other due rows it
    did not attempt. Rows created after the run started and never read by it are not
    counted.
    """
    started = utcnow()
    report = DrainReport()
    undelivered = _Undelivered()
    _deliver_due(runtime, report, undelivered, limit=limit, wait=wait)
    _count_left(runtime, report, undelivered, started)
    return report


def _deliver_due(
    runtime: Runtime, report: DrainReport, undelivered: _Undelivered, *, limit: int | None, wait: float
) -> None:
    """Make the delivery passes of one run, until nothing is due, ``limit`` is reached or ``wait`` ends."""
    deadline = time.monotonic() + wait
    claimant = worker_id()
    while True:
        attempted = report.attempted
        if not _deliver_pass(runtime, report, undelivered, claimant, limit):
            report.stopped_at_limit = True
            return
        if time.monotonic() >= deadline or (limit is not None and report.attempted >= limit):
            return
        if report.attempted == attempted:
            # Nothing was due, or only rows without a handler or held by another
            # dispatcher: wait for a retry to fall due or a claim to end.
            if not _pending_besides(runtime, undelivered.unhandled):
                return
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def _deliver_pass(
    runtime: Runtime, report: DrainReport, undelivered: _Undelivered, claimant: str, limit: int | None
) -> bool:
    """Attempt each row that is due now once; return ``False`` when ``limit`` stopped the pass early."""
    query = (
        select(effects, executions.c.operation)
        .outerjoin(executions, executions.c.id == effects.c.execution_id)
        .where(_due(utcnow()))
    )
    for row in _pages(runtime, query):
        if row["id"] in undelivered.unhandled:
            continue
        if limit is not None and report.attempted >= limit:
            return False
        undelivered.record(row["id"], _deliver_row(runtime, row, claimant, report))
        report.unhandled = len(undelivered.unhandled)
        report.claimed_elsewhere = len(undelivered.claimed)
    return True


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


def _pending() -> ColumnElement[bool]:
    return effects.c.status == EffectStatus.pending.value


def _due(moment: datetime) -> ColumnElement[bool]:
    """Return the condition that a row is pending, was created by ``moment`` and is due by then."""
    return and_(
        _pending(),
        effects.c.created_at <= moment,
        or_(effects.c.next_attempt_at.is_(None), effects.c.next_attempt_at <= moment),
    )


def _pages(runtime: Runtime, query: Select[Any]) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``query`` oldest first, reading :data:`PAGE_SIZE` rows per query.

    ``query`` selects at least ``created_at``, ``sequence`` and ``id`` of ``opsgen_effects``.
    Each page starts after the last row of the previous one in that order (keyset
    pagination), so a row that a page already returned is not returned again, whatever
    was done to it meanwhile. No connection is held while the caller works on a row.
    """
    order = (effects.c.created_at, effects.c.sequence, effects.c.id)
    after: dict[str, Any] | None = None
    while True:
        page = query.order_by(*order).limit(PAGE_SIZE)
        if after is not None:
            page = page.where(
                or_(
                    effects.c.created_at > after["created_at"],
                    and_(effects.c.created_at == after["created_at"], effects.c.sequence > after["sequence"]),
                    and_(
                        effects.c.created_at == after["created_at"],
                        effects.c.sequence == after["sequence"],
                        effects.c.id > after["id"],
                    ),
                )
            )
        with runtime.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(page)]
        yield from rows
        if len(rows) < PAGE_SIZE:
            return
        after = rows[-1]


def _pending_besides(runtime: Runtime, ids: Collection[str]) -> bool:
    """Return whether a pending row exists other than those of ``ids``."""
    query = select(effects.c.id, effects.c.created_at, effects.c.sequence).where(_pending())
    return any(row["id"] not in ids for row in _pages(runtime, query))


def _count_left(runtime: Runtime, report: DrainReport, undelivered: _Undelivered, started: datetime) -> None:
    """Count in ``report`` the pending rows the run leaves behind, reading the due ones page by page."""
    ended = utcnow()
    waiting = select(func.count(), func.min(effects.c.next_attempt_at)).where(
        _pending(), effects.c.next_attempt_at.is_not(None), effects.c.next_attempt_at > ended
    )
    with runtime.engine.connect() as connection:
        count, first_due = connection.execute(waiting).one()
    report.waiting = int(count)
    report.next_retry_at = as_utc(first_due)

    columns = (
        effects.c.id, effects.c.name, effects.c.execution_id, effects.c.created_at, effects.c.sequence,
        effects.c.next_attempt_at, effects.c.claimed_by, effects.c.claimed_until, effects.c.claimed_process,
    )
    for row in _pages(runtime, select(*columns).where(_due(ended))):
        effect_id = row["id"]
        if effect_id in undelivered.unhandled:
            continue
        if effect_id in undelivered.retrying:
            # The retry that this run scheduled is already due: a backoff of 0 s.
            report.waiting += 1
            due_at = as_utc(row["next_attempt_at"]) or ended
            if report.next_retry_at is None or due_at < report.next_retry_at:
                report.next_retry_at = due_at
            continue
        if effect_id not in undelivered.claimed:
            if cast(datetime, as_utc(row["created_at"])) > started:
                continue  # created during the run: the process that committed it makes its first attempt
            if claim_state(row, ended) is not ClaimState.HELD:
                report.left_due += 1
                continue
            report.claimed_elsewhere += 1
        report.left_claimed.append(
            ForeignClaim(effect_id, row["name"], row["execution_id"], row["claimed_by"], as_utc(row["claimed_until"]))
        )


def as_utc(moment: datetime | None) -> datetime | None:
    """Return a stored time as an aware UTC time; SQLite returns the stored UTC time without a zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class ClaimState(Enum):
    """The claim on a pending outbox row, as a dispatcher on this machine judges it."""

    #: No dispatcher has claimed the row.
    FREE = "free"
    #: The claimant may still be delivering it: the claim has not expired and its
    #: process is alive, or on another machine, or unknown.
    HELD = "held"
    #: The claim expired before the claimant released the row.
    EXPIRED = "expired"
    #: The claimant's process on this machine has ended.
    ENDED = "ended"


def claim_state(row: dict[str, Any], now: datetime) -> ClaimState:
    """Return the state of the claim on ``row``, which has the claim columns of ``opsgen_effects``."""
    if row["claimed_by"] is None:
        return ClaimState.FREE
    expires = as_utc(row["claimed_until"])
    if expires is None or expires < now:
        return ClaimState.EXPIRED
    if holder_ended(row.get("claimed_process")):
        return ClaimState.ENDED
    return ClaimState.HELD


def _interruption(row: dict[str, Any], state: ClaimState) -> str:
    """Return why the attempt of the claim on ``row`` did not finish, for ``last_error`` and the log."""
    if state is ClaimState.ENDED:
        return f"the process of dispatcher {row['claimed_by']} on this machine ended"
    expires = as_utc(row["claimed_until"])
    when = "" if expires is None else f" at {expires:%Y-%m-%d %H:%M:%S} UTC"
    return f"the claim of dispatcher {row['claimed_by']} expired{when}"


def _deliver_row(runtime: Runtime, row: dict[str, Any], claimant: str, report: DrainReport) -> _Outcome:
    """Claim and deliver one due row, taking over the claim of a dispatcher that ended."""
    now = utcnow()
    state = claim_state(row, now)
    if state is ClaimState.HELD:
        return _Outcome.CLAIMED_ELSEWHERE
    interruption = None if state is ClaimState.FREE else _interruption(row, state)
    try:
        handler = runtime.resolve_effect_handler(row["name"], row["kind"], _requesting_operation(runtime, row))
    except EffectHandlerMissing as exc:
        report.errors.append(str(exc))
        logger.error("cannot deliver outbox row %s of execution %s: %s", row["id"], row["execution_id"], exc)
        return _Outcome.UNHANDLED

    attempts = int(row["attempts"])
    if interruption is not None:
        attempts += 1
        if attempts >= row["max_attempts"]:
            marked_failed = _fail_unfinished(runtime, row, interruption, report)
            return _Outcome.SETTLED if marked_failed else _Outcome.CLAIMED_ELSEWHERE
    if not _claim(runtime, row, claimant, now, interruption):
        return _Outcome.CLAIMED_ELSEWHERE
    if interruption is not None:
        logger.warning(
            "took over outbox row %s, effect %s (%s) of execution %s: attempt %d did not finish, because %s",
            row["id"], row["name"], row["kind"], row["execution_id"], attempts, interruption,
            extra={"execution_id": row["execution_id"], "effect": row["name"]},
        )

    retry = RetryPolicy(row["max_attempts"], row["backoff"], row["multiplier"], row["max_delay"])
    call = EffectCall(
        row["name"], row["kind"], dict(row["payload"] or {}), row["idempotency_key"],
        row["execution_id"], attempts + 1,
    )
    counts = {"attempts": attempts, "max_attempts": row["max_attempts"]}
    if _attempt(runtime, row["id"], row["name"], row["kind"], counts, retry, handler, call, claimant, report):
        return _Outcome.RETRYING
    return _Outcome.SETTLED


def _requesting_operation(runtime: Runtime, row: dict[str, Any]) -> str | None:
    """Return the operation that requested the effect of ``row``, for its ``operation.effect`` handler.

    The join in :func:`_deliver_pass` finds it in the log. A record staged in the SQLite
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


def _unchanged(row: dict[str, Any]) -> ColumnElement[bool]:
    """Return the condition that ``row`` is pending and still has the attempt count and claimant it was read with.

    That suffices for a takeover too: a claimant's id names one dispatcher run, and it
    changes the attempt count whenever it releases the row, so an unchanged row still
    carries the claim that was judged expired or ended.
    """
    claimed_by = effects.c.claimed_by.is_(None) if row["claimed_by"] is None else effects.c.claimed_by == row["claimed_by"]
    return and_(
        effects.c.id == row["id"],
        effects.c.status == EffectStatus.pending.value,
        effects.c.attempts == row["attempts"],
        claimed_by,
    )


def _claim(runtime: Runtime, row: dict[str, Any], claimant: str, now: datetime, interruption: str | None = None) -> bool:
    """Claim ``row`` for ``claimant`` if no other dispatcher changed it since it was read; return whether it did.

    ``interruption`` gives the reason the claim found on the row may be taken over. Taking it
    over counts the attempt that claim was made for, since it never finished.
    """
    changes: dict[str, Any] = {
        "claimed_by": claimant,
        "claimed_until": now + timedelta(seconds=CLAIM_LEASE),
        "claimed_process": process_identity(),
    }
    if interruption is not None:
        unfinished = int(row["attempts"]) + 1
        changes.update(attempts=unfinished, last_error=f"attempt {unfinished} did not finish: {interruption}")
    statement = update(effects).where(_unchanged(row)).values(changes)
    with runtime.engine.begin() as connection:
        return bool(connection.execute(statement).rowcount)


def _fail_unfinished(runtime: Runtime, row: dict[str, Any], interruption: str, report: DrainReport) -> bool:
    """Mark ``row`` failed because its last attempt never finished and used up its budget; return whether it did."""
    attempts = int(row["attempts"]) + 1
    error = f"attempt {attempts} of {row['max_attempts']} did not finish: {interruption}"
    changes = {
        "status": EffectStatus.failed.value,
        "attempts": attempts,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
        "claimed_process": None,
    }
    statement = update(effects).where(_unchanged(row)).values(changes)
    with runtime.engine.begin() as connection:
        if not connection.execute(statement).rowcount:
            return False
    report.failed += 1
    report.errors.append(f"{row['name']} ({row['id']}): {error}")
    logger.error(
        "effect %s (%s) of execution %s failed for good: %s; `opsgen outbox retry %s` queues it again",
        row["name"], row["kind"], row["execution_id"], error, row["id"],
        extra={"execution_id": row["execution_id"], "effect": row["name"]},
    )
    return True


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
) -> bool:
    """Call the handler for a row this process has claimed, record the outcome and release the claim.

    Returns whether the row stays pending for a retry.
    """
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

    changes.update(claimed_by=None, claimed_until=None, claimed_process=None)
    statement = update(effects).where(effects.c.id == effect_id, effects.c.claimed_by == claimant)
    with runtime.engine.begin() as connection:
        connection.execute(statement.values(changes))
    return "status" not in changes
