"""Delivery of durable effects from the ``opsgen_effects`` outbox.

Durable effect rows are written in the operation's transaction (see
:mod:`opsgen.runtime.effects`). A row is delivered by the first process that claims
it: the process that committed, right after the commit, or a dispatcher (``opsgen
outbox drain`` or ``opsgen outbox dispatch``) later. A claim is an ``UPDATE`` that succeeds
only on a pending row that no other dispatcher has claimed or attempted since it was read,
so two dispatchers deliver the same row at the same time only when a delivery outlasts
its claim.

A dispatcher claims the due rows of a page together, in one transaction, then calls
their handlers one by one and writes their outcomes together: at the end of the batch,
or once :data:`OUTCOME_WRITE_INTERVAL` has passed since its last write. Each such write
also renews the claims of the rows not yet attempted, so a row's claim has at least
``CLAIM_LEASE - OUTCOME_WRITE_INTERVAL`` seconds left when its attempt starts, however
slow the handlers before it were. On PostgreSQL the claim locks the rows with ``FOR
UPDATE SKIP LOCKED``, so it skips the rows that another dispatcher is claiming instead
of waiting for that dispatcher's commit.

A claim records the claimant's process (see :mod:`opsgen.runtime.locks.holders`) and
expires after :data:`CLAIM_LEASE`. A dispatcher takes over a claim that has expired, or
at once a claim whose process on this machine has ended. A claim still on a row means
an attempt that never finished, so the takeover counts that attempt against the row's
budget: an effect whose handler kills its process ends ``failed`` after its maximum
number of attempts instead of being retried forever.

Delivery is at least once. A process can die after the handler returned and before
the row was marked delivered. That happens to every row whose outcome was not yet
written, up to one batch. The next dispatcher delivers them again, once their claims
expire or at once when the dead process was on its machine, with the same idempotency
key, which the receiver uses to discard the repeat.
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
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, func, or_, select, tuple_, update

from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.effects import EffectCall, EffectHandler, PendingEffect, effect_error
from opsgen.runtime.errors import EffectHandlerMissing
from opsgen.runtime.locks.holders import holder_ended, process_identity
from opsgen.runtime.schema import EffectStatus, effects, executions
from opsgen.runtime.store import HOST, utcnow

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Seconds a claim on an outbox row lasts. A run renews the claims of its rows not yet
#: attempted whenever it writes outcomes, so only a delivery that takes longer than
#: ``CLAIM_LEASE - OUTCOME_WRITE_INTERVAL`` may be repeated by another dispatcher.
CLAIM_LEASE = 60.0

#: Rows a dispatcher reads per query, and at most claims per transaction. A run keeps one
#: page of rows, and the outcomes of at most one page, in memory at a time.
PAGE_SIZE = 100

#: Seconds after which a run writes the outcomes of the attempts it has made and renews
#: its other claims, without waiting for the end of the batch. After a crash, the
#: attempts of at most this long (or of one batch) are repeated.
OUTCOME_WRITE_INTERVAL = 1.0


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
    #: For each claimant whose claims the run took over, whether it held a single
    #: pending row when the run first found it, before the run took any of its rows.
    lone_claimants: dict[str, bool] = field(default_factory=dict)

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
    with runtime.engine.begin() as connection:
        claimed = _claim(connection, row, claimant, utcnow())
    if not claimed:
        return
    changes = _attempt(
        effect.id, effect.name, effect.kind, effect.retry, effect.handler, effect.call(1), DrainReport(),
        describe=effect.error_text,
    )
    with runtime.engine.begin() as connection:
        _record_outcomes(connection, claimant, {effect.id: changes})


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
    """Attempt each row that is due now once; return ``False`` when ``limit`` stopped the pass early.

    Each page is delivered in batches: the whole page, or as many rows as ``limit`` leaves.
    """
    query = (
        select(effects, executions.c.operation)
        .outerjoin(executions, executions.c.id == effects.c.execution_id)
        .where(_due(utcnow()))
    )
    for page in _pages(runtime, query):
        rows = [row for row in page if row["id"] not in undelivered.unhandled]
        while rows:
            budget = None if limit is None else limit - report.attempted
            if budget is not None and budget <= 0:
                return False
            batch, rows = _plan_batch(runtime, rows, budget, report, undelivered)
            if batch:
                _deliver_batch(runtime, batch, claimant, report, undelivered)
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


def _pages(runtime: Runtime, query: Select[Any]) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows of ``query`` oldest first, in pages of up to :data:`PAGE_SIZE` rows, one query per page.

    ``query`` selects at least ``created_at``, ``sequence`` and ``id`` of ``opsgen_effects``.
    Each page starts after the last row of the previous one in that order (keyset
    pagination), so a row that a page already returned is not returned again, whatever
    was done to it meanwhile. No connection is held while the caller works on a page.
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
        if rows:
            yield rows
        if len(rows) < PAGE_SIZE:
            return
        after = rows[-1]


def _rows(runtime: Runtime, query: Select[Any]) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``query`` one by one, read as :func:`_pages` reads them."""
    for page in _pages(runtime, query):
        yield from page


def _pending_besides(runtime: Runtime, ids: Collection[str]) -> bool:
    """Return whether a pending row exists other than those of ``ids``."""
    query = select(effects.c.id, effects.c.created_at, effects.c.sequence).where(_pending())
    return any(row["id"] not in ids for row in _rows(runtime, query))


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
    for row in _rows(runtime, select(*columns).where(_due(ended))):
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


@dataclass
class _Planned:
    """A due row that a run picked to claim and attempt, with its handler."""

    row: dict[str, Any]
    handler: EffectHandler
    #: Why the claim found on the row may be taken over, or ``None`` when the row was free.
    interruption: str | None = None
    #: Whether taking over that claim counts an unfinished attempt: only when the claimant
    #: held no other pending row, so it was attempting this one when it stopped.
    counts_unfinished: bool = False

    @property
    def counted_attempts(self) -> int:
        """Attempts counted before this run's, including the unfinished one that a takeover counts."""
        return int(self.row["attempts"]) + (1 if self.counts_unfinished else 0)


def _plan_batch(
    runtime: Runtime, rows: list[dict[str, Any]], budget: int | None, report: DrainReport, undelivered: _Undelivered
) -> tuple[list[_Planned], list[dict[str, Any]]]:
    """Pick from the start of ``rows`` up to ``budget`` rows to attempt; return them and the rows after them.

    Rows that another dispatcher has claimed and rows without a handler are recorded in
    ``undelivered`` and skipped, without counting against ``budget``. A row whose claim is
    taken over gets a batch of its own, so that this run has no other row claimed while it
    attempts it: should that attempt end the process, the next takeover knows which
    row was being attempted and counts it.
    """
    now = utcnow()
    batch: list[_Planned] = []
    for position, row in enumerate(rows):
        if budget is not None and len(batch) >= budget:
            return batch, rows[position:]
        state = claim_state(row, now)
        if state is ClaimState.HELD:
            undelivered.record(row["id"], _Outcome.CLAIMED_ELSEWHERE)
            continue
        try:
            handler = runtime.resolve_effect_handler(row["name"], row["kind"], _requesting_operation(runtime, row))
        except EffectHandlerMissing as exc:
            report.errors.append(str(exc))
            logger.error("cannot deliver outbox row %s of execution %s: %s", row["id"], row["execution_id"], exc)
            undelivered.record(row["id"], _Outcome.UNHANDLED)
            continue
        if state is ClaimState.FREE:
            batch.append(_Planned(row, handler))
            continue
        if batch:
            return batch, rows[position:]
        if row["claimed_by"] not in undelivered.lone_claimants:
            undelivered.lone_claimants[row["claimed_by"]] = _holds_one_row(runtime, row["claimed_by"])
        taken_over = _Planned(row, handler, _interruption(row, state), undelivered.lone_claimants[row["claimed_by"]])
        return [taken_over], rows[position + 1:]
    return batch, []


def _holds_one_row(runtime: Runtime, claimant: str) -> bool:
    """Return whether ``claimant`` has exactly one pending row claimed.

    A claimant with several claimed them as one batch and may have stopped before
    it reached some of them, so its claims prove no attempt.

    NOTE: a run asks once per claimant. When another dispatcher has already taken over
    all but one of a batch's rows, the last one counts as attempted even if it was not.
    """
    query = select(func.count()).where(_pending(), effects.c.claimed_by == claimant)
    with runtime.engine.connect() as connection:
        return int(connection.execute(query).scalar_one()) <= 1


def _deliver_batch(
    runtime: Runtime, batch: list[_Planned], claimant: str, report: DrainReport, undelivered: _Undelivered
) -> None:
    """Claim the rows of ``batch`` together, attempt each in order, and write the outcomes together.

    The outcomes are written when the batch ends, or before an attempt once
    :data:`OUTCOME_WRITE_INTERVAL` has passed since the last write; that write renews
    the claims of the rows not yet attempted. A row whose claim another dispatcher took
    over meanwhile is not attempted.
    """
    claimed = _claim_batch(runtime, batch, claimant, report, undelivered)
    outcomes: dict[str, dict[str, Any]] = {}
    lost: set[str] = set()
    written_at = time.monotonic()
    for position, planned in enumerate(claimed):
        if time.monotonic() - written_at >= OUTCOME_WRITE_INTERVAL:
            later = [other.row["id"] for other in claimed[position:] if other.row["id"] not in lost]
            lost |= _write_and_renew(runtime, claimant, outcomes, later)
            outcomes = {}
            written_at = time.monotonic()

        row = planned.row
        if row["id"] in lost:
            logger.warning(
                "outbox row %s of execution %s was not attempted: its claim expired and another dispatcher took it over",
                row["id"], row["execution_id"], extra={"execution_id": row["execution_id"], "effect": row["name"]},
            )
            undelivered.record(row["id"], _Outcome.CLAIMED_ELSEWHERE)
            continue
        retry = RetryPolicy(row["max_attempts"], row["backoff"], row["multiplier"], row["max_delay"])
        call = EffectCall(
            row["name"], row["kind"], dict(row["payload"] or {}), row["idempotency_key"],
            row["execution_id"], planned.counted_attempts + 1,
        )
        changes = _attempt(
            row["id"], row["name"], row["kind"], retry, planned.handler, call, report,
            describe=partial(_row_error, row),
        )
        outcomes[row["id"]] = changes
        undelivered.record(row["id"], _Outcome.SETTLED if "status" in changes else _Outcome.RETRYING)
    _write_and_renew(runtime, claimant, outcomes, [])


def _claim_batch(
    runtime: Runtime, batch: list[_Planned], claimant: str, report: DrainReport, undelivered: _Undelivered
) -> list[_Planned]:
    """Claim the rows of ``batch`` in one transaction; return those claimed, in the order of ``batch``.

    The free rows are claimed with one statement, and each row whose claim is taken over
    with one more. A taken-over row whose unfinished attempt used up its budget is marked
    failed instead. A row that another dispatcher claimed or attempted since it was read
    is recorded as claimed elsewhere.
    """
    now = utcnow()
    free = [planned.row for planned in batch if planned.interruption is None]
    failed: dict[str, str] = {}
    with runtime.engine.begin() as connection:
        for planned in batch:
            if planned.interruption is None:
                continue
            if not planned.counts_unfinished:
                _claim(connection, planned.row, claimant, now)
            elif planned.counted_attempts >= planned.row["max_attempts"]:
                error = _fail_unfinished(connection, planned.row, planned.interruption)
                if error is not None:
                    failed[planned.row["id"]] = error
            else:
                _claim(connection, planned.row, claimant, now, planned.interruption)
        if free:
            statement = update(effects).where(_unlocked(_free_and_unchanged(free))).values(_claim_values(claimant, now))
            connection.execute(statement)
        held = _claimed_by(connection, [planned.row["id"] for planned in batch], claimant)

    claimed: list[_Planned] = []
    for planned in batch:
        row = planned.row
        if row["id"] in failed:
            _report_failed_unfinished(row, failed[row["id"]], report)
            undelivered.record(row["id"], _Outcome.SETTLED)
        elif row["id"] not in held:
            undelivered.record(row["id"], _Outcome.CLAIMED_ELSEWHERE)
        else:
            if planned.interruption is not None:
                _log_takeover(planned)
            claimed.append(planned)
    return claimed


def _log_takeover(planned: _Planned) -> None:
    row = planned.row
    context = {"execution_id": row["execution_id"], "effect": row["name"]}
    if planned.counts_unfinished:
        logger.warning(
            "took over outbox row %s, effect %s (%s) of execution %s: attempt %d did not finish, because %s",
            row["id"], row["name"], row["kind"], row["execution_id"], planned.counted_attempts,
            planned.interruption, extra=context,
        )
    else:
        logger.warning(
            "took over outbox row %s, effect %s (%s) of execution %s, because %s; its claimant held other rows "
            "too and may not have attempted this one, so no attempt is counted",
            row["id"], row["name"], row["kind"], row["execution_id"], planned.interruption, extra=context,
        )


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


def _free_and_unchanged(rows: list[dict[str, Any]]) -> ColumnElement[bool]:
    """Return the condition :func:`_unchanged` for several unclaimed ``rows`` at once."""
    return and_(
        tuple_(effects.c.id, effects.c.attempts).in_([(row["id"], row["attempts"]) for row in rows]),
        effects.c.status == EffectStatus.pending.value,
        effects.c.claimed_by.is_(None),
    )


def _unlocked(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Return the condition that a row meets ``condition`` and no other transaction holds it locked.

    On PostgreSQL the subquery locks the rows with ``FOR UPDATE SKIP LOCKED``, so a claim
    skips a row that another dispatcher is claiming instead of waiting for its commit.
    Claims therefore never wait for each other, and cannot deadlock however their rows
    are ordered. SQLAlchemy renders no locking clause for SQLite, which has one writer
    at a time.
    """
    return effects.c.id.in_(select(effects.c.id).where(condition).with_for_update(skip_locked=True))


def _claim_values(claimant: str, now: datetime) -> dict[str, Any]:
    return {
        "claimed_by": claimant,
        "claimed_until": now + timedelta(seconds=CLAIM_LEASE),
        "claimed_process": process_identity(),
    }


def _claim(
    connection: Connection, row: dict[str, Any], claimant: str, now: datetime, interruption: str | None = None
) -> bool:
    """Claim ``row`` for ``claimant`` if no other dispatcher changed it since it was read; return whether it did.

    ``interruption`` gives the reason the claim found on the row may be taken over, when
    the takeover counts the attempt that claim was made for, since it never finished.
    """
    changes = _claim_values(claimant, now)
    if interruption is not None:
        unfinished = int(row["attempts"]) + 1
        changes.update(attempts=unfinished, last_error=f"attempt {unfinished} did not finish: {interruption}")
    statement = update(effects).where(_unlocked(_unchanged(row))).values(changes)
    return bool(connection.execute(statement).rowcount)


def _claimed_by(connection: Connection, ids: list[str], claimant: str) -> set[str]:
    """Return those of ``ids`` that ``claimant`` has claimed."""
    query = select(effects.c.id).where(effects.c.id.in_(ids), effects.c.claimed_by == claimant)
    return set(connection.execute(query).scalars())


def _fail_unfinished(connection: Connection, row: dict[str, Any], interruption: str) -> str | None:
    """Mark ``row`` failed because its last attempt never finished and used up its budget.

    Returns the error recorded on the row, or ``None`` when another dispatcher changed the
    row since it was read, so it was left as it is.
    """
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
    statement = update(effects).where(_unlocked(_unchanged(row))).values(changes)
    return error if connection.execute(statement).rowcount else None


def _report_failed_unfinished(row: dict[str, Any], error: str, report: DrainReport) -> None:
    """Count and log a row that :func:`_fail_unfinished` marked failed."""
    report.failed += 1
    report.errors.append(f"{row['name']} ({row['id']}): {error}")
    logger.error(
        "effect %s (%s) of execution %s failed for good: %s; `opsgen outbox retry %s` queues it again",
        row["name"], row["kind"], row["execution_id"], error, row["id"],
        extra={"execution_id": row["execution_id"], "effect": row["name"]},
    )


def _write_and_renew(runtime: Runtime, claimant: str, outcomes: dict[str, dict[str, Any]], later: list[str]) -> set[str]:
    """Write ``outcomes`` and renew the claims on the rows ``later`` names, in one transaction.

    Returns the ids of ``later`` whose claim ``claimant`` no longer holds, because it
    expired and another dispatcher took it over.
    """
    if not outcomes and not later:
        return set()
    with runtime.engine.begin() as connection:
        _record_outcomes(connection, claimant, outcomes)
        if not later:
            return set()
        renewal = update(effects).where(effects.c.id.in_(later), effects.c.claimed_by == claimant)
        connection.execute(renewal.values(claimed_until=utcnow() + timedelta(seconds=CLAIM_LEASE)))
        held = _claimed_by(connection, later, claimant)
    return set(later) - held


def _record_outcomes(connection: Connection, claimant: str, outcomes: dict[str, dict[str, Any]]) -> None:
    """Write the changes that :func:`_attempt` returned for rows ``claimant`` holds, and release their claims.

    Rows whose changes set the same columns share one executemany statement. A row whose
    claim another dispatcher took over is left to that dispatcher.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for effect_id, changes in outcomes.items():
        parameters = {f"new_{column}": value for column, value in changes.items()}
        parameters["effect_id"] = effect_id
        groups.setdefault(tuple(sorted(changes)), []).append(parameters)
    released = {"claimed_by": None, "claimed_until": None, "claimed_process": None}
    for columns, parameter_sets in groups.items():
        values: dict[str, Any] = {column: bindparam(f"new_{column}") for column in columns}
        statement = update(effects).where(effects.c.id == bindparam("effect_id"), effects.c.claimed_by == claimant)
        connection.execute(statement.values({**values, **released}), parameter_sets)


def _row_error(row: dict[str, Any], error: Exception) -> str:
    """Return a handler's ``error`` on the outbox ``row`` scrubbed of the secrets its payload contains."""
    return effect_error(error, row["payload"] or {}, row["payload_redacted"] or {})


def _attempt(
    effect_id: str,
    name: str,
    kind: str,
    retry: RetryPolicy,
    handler: Callable[[EffectCall], object],
    call: EffectCall,
    report: DrainReport,
    *,
    describe: Callable[[Exception], str],
) -> dict[str, Any]:
    """Call the handler for a row this process has claimed, count and log the outcome, and return the row's changes.

    The changes set ``attempts`` to ``call.attempt``, and ``status`` when the row is
    delivered or failed for good. Without ``status`` the row stays pending for a retry.
    ``describe`` turns a handler's exception into the error that is logged, counted and
    stored in ``last_error``, with the effect's secrets scrubbed.
    """
    attempts = call.attempt
    try:
        handler(call)
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried later
        error = describe(exc)
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
    return changes
