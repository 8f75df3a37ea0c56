"""Side effects that wait for the outermost commit, and their delivery.

An operation requests an effect with a generated method (``self.send_receipt(ctx, ...)``)
or with ``ctx.after_commit(fn)``. Nothing runs at that moment: the request is kept in
memory as a :class:`PendingEffect` until the outermost transaction commits, or until
the operation succeeds when no transaction is open. Then the effects run in the order
they were requested and each gets a row in ``opsgen_effects``. When the transaction
rolls back, or the operation that requested them fails, they are dropped, and the
rows say so.

A durable effect is also written to ``opsgen_effects`` inside the transaction, right
before the commit, so the commit and the outbox row succeed or fail together. After
the commit one delivery attempt runs in-process; the outbox dispatcher
(:mod:`opsgen.runtime.outbox`) makes the retries and picks up effects whose process
died before delivering them.

A failed delivery never undoes the commit. A non-durable effect is retried in-process
by its retry policy, sleeping between attempts, then recorded as failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.plural import counted
from opsgen.runtime.redaction import redacted_values, scrub_error
from opsgen.runtime.schema import EffectStatus
from opsgen.runtime.store import utcnow

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: The kind recorded for callbacks registered with ``ctx.after_commit``.
CALLBACK_KIND = "callback"

#: ``ctx.after_commit`` callbacks run once: a plain function may not be safe to repeat.
CALLBACK_RETRY = RetryPolicy(max_attempts=1, backoff=0.0)


@dataclass(frozen=True)
class EffectCall:
    """The argument of an effect handler: one delivery attempt of one effect.

    ``idempotency_key`` stays the same across every delivery attempt of one effect, so
    a receiver can discard repeats: delivery of durable effects is at least once.
    """

    name: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    execution_id: str
    attempt: int


EffectHandler = Callable[[EffectCall], object]


@dataclass(eq=False)
class PendingEffect:
    """An effect requested inside an execution and not yet run."""

    id: str
    execution_id: str
    #: Ids of the requesting execution and its ancestors, outermost first.
    lineage: tuple[str, ...]
    sequence: int
    name: str
    kind: str
    durable: bool
    payload: dict[str, Any]
    payload_redacted: dict[str, Any]
    retry: RetryPolicy
    created_at: datetime
    handler: Callable[[EffectCall], object]
    #: Called with the reason when the effect is dropped, after the drop is recorded.
    on_drop: Callable[[str], object] | None = None
    #: Sensitive input values of the requesting execution, scrubbed from the error of a
    #: failed in-process delivery before it is logged or recorded.
    secrets: tuple[str, ...] = ()

    def error_text(self, error: Exception) -> str:
        """Return the error of a failed attempt as it is logged and recorded, without this effect's secrets.

        The execution's sensitive input values and the values that ``payload_redacted``
        hides are scrubbed, and URL passwords are masked (:func:`effect_error`).
        """
        return effect_error(error, self.payload, self.payload_redacted, self.secrets)

    def row(self, status: str, **changes: Any) -> dict[str, Any]:
        """Return the ``opsgen_effects`` row of this effect with ``status``."""
        row: dict[str, Any] = {
            "id": self.id,
            "execution_id": self.execution_id,
            "sequence": self.sequence,
            "name": self.name,
            "kind": self.kind,
            "durable": self.durable,
            "status": status,
            "idempotency_key": self.id,
            "payload": self.payload if self.durable else None,
            "payload_redacted": self.payload_redacted,
            "attempts": 0,
            "max_attempts": self.retry.max_attempts,
            "backoff": self.retry.backoff,
            "multiplier": self.retry.multiplier,
            "max_delay": self.retry.max_delay,
            "next_attempt_at": None,
            "claimed_by": None,
            "claimed_until": None,
            "last_error": None,
            "created_at": self.created_at,
            "delivered_at": None,
        }
        row.update(changes)
        return row

    def call(self, attempt: int) -> EffectCall:
        """Return the handler argument for delivery attempt number ``attempt``."""
        return EffectCall(self.name, self.kind, self.payload, self.id, self.execution_id, attempt)


def effect_error(
    error: Exception, payload: Any, payload_redacted: Any, secrets: tuple[str, ...] = ()
) -> str:
    """Return ``TYPE: message`` of a handler's ``error``, scrubbed for the effect row and the log.

    A handler's message may quote its payload, such as a token it sent or a URL built
    from a sensitive input. So every value that ``payload_redacted`` hides, and each of
    ``secrets``, is replaced by ``***``, as is the password of every URL in the message.
    The dispatcher calls this with the stored row alone, without ``secrets``.
    """
    hidden = set(secrets) | set(redacted_values(payload, payload_redacted))
    return scrub_error(f"{type(error).__name__}: {error}", sorted(hidden, key=len, reverse=True))


def durable_rows(pending: Sequence[PendingEffect]) -> list[dict[str, Any]]:
    """Return the outbox rows of the durable effects, to insert before the commit."""
    return [effect.row(EffectStatus.pending.value) for effect in pending if effect.durable]


def record_dropped(runtime: Runtime, dropped: Sequence[tuple[PendingEffect, str]]) -> None:
    """Log and record effects that will never run, each with the reason."""
    if not dropped:
        return
    for effect, reason in dropped:
        logger.info(
            "dropped effect %s (%s) of execution %s: %s",
            effect.name,
            effect.kind,
            effect.execution_id,
            reason,
            extra={"execution_id": effect.execution_id, "effect": effect.name},
        )
    if runtime.log_enabled:
        rows = [effect.row(EffectStatus.dropped.value, last_error=reason) for effect, reason in dropped]
        outer = runtime.outer_transaction
        if outer is not None and outer.is_open():
            # The application's transaction may roll back, and the record of the drop must stay.
            outer.write_outside(partial(runtime.store.insert_effects, rows))
        else:
            runtime.store.insert_effects(rows)
    for effect, reason in dropped:
        if effect.on_drop is not None:
            effect.on_drop(reason)


def schedule_delivery(runtime: Runtime, pending: Sequence[PendingEffect]) -> None:
    """Deliver committed effects now, or through ``runtime.defer_delivery`` when it is set."""
    if runtime.defer_delivery is None:
        deliver_after_commit(runtime, pending)
        return
    batch = list(pending)
    runtime.defer_delivery(lambda: deliver_after_commit(runtime, batch))


def deliver_after_commit(runtime: Runtime, pending: Sequence[PendingEffect]) -> None:
    """Run committed effects in order and record each outcome; never raises for a handler error."""
    from opsgen.runtime.outbox import deliver_durable_now

    finished_rows: list[dict[str, Any]] = []
    for effect in pending:
        if effect.durable:
            deliver_durable_now(runtime, effect)
        else:
            finished_rows.append(_deliver_with_retries(effect))
    if runtime.log_enabled:
        runtime.store.insert_effects(finished_rows)


def _deliver_with_retries(effect: PendingEffect) -> dict[str, Any]:
    last_error = ""
    attempts = effect.retry.max_attempts
    for attempt in range(1, attempts + 1):
        try:
            effect.handler(effect.call(attempt))
        except Exception as exc:  # noqa: BLE001 - a handler error is recorded, never raised
            # An error such as a failed HTTP request may quote a URL built from a sensitive input.
            last_error = effect.error_text(exc)
            logger.warning(
                "effect %s (%s) of execution %s failed on attempt %d of %d: %s",
                effect.name,
                effect.kind,
                effect.execution_id,
                attempt,
                attempts,
                last_error,
                extra={"execution_id": effect.execution_id, "effect": effect.name},
            )
            if attempt < attempts:
                time.sleep(effect.retry.delay(attempt))
            continue

        logger.info(
            "delivered effect %s (%s) of execution %s",
            effect.name,
            effect.kind,
            effect.execution_id,
            extra={"execution_id": effect.execution_id, "effect": effect.name},
        )
        return effect.row(EffectStatus.delivered.value, attempts=attempt, delivered_at=utcnow())

    logger.error(
        "effect %s (%s) of execution %s failed after %s; the commit is kept: %s",
        effect.name,
        effect.kind,
        effect.execution_id,
        counted(attempts, "attempt"),
        last_error,
        extra={"execution_id": effect.execution_id, "effect": effect.name},
    )
    return effect.row(EffectStatus.failed.value, attempts=attempts, last_error=last_error)
