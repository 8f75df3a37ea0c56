"""Background execution on any queue: the pending record, the message, and the worker's claim.

``enqueue`` records a pending execution linked to the caller's execution, then sends a
:class:`QueuedCall` through a sender the queue integration supplies
(:mod:`opsgen.integrations.celery` sends a Celery task). Inside a transaction the
pending record is written in that transaction and the send is a durable effect, so it
happens after the commit and only then. A rollback drops the effect, and the dropped
effect marks the execution ``cancelled``.

A worker that receives the message claims the execution with one conditional
``UPDATE``: a pending execution, or a running one whose lease expired because its
worker died, becomes running under a new lease. Every other state means the message is
a repeat: a finished execution is never run again, and a running one with a live lease
is left to its worker. When the log has no record of the execution at all (a database
crash lost it, or the database was restored from an older backup), the worker inserts
the record rebuilt from the message, already claimed, and runs the call. The worker
renews the lease while the operation runs. Each claim adds a row to
``opsgen_execution_attempts``. On PostgreSQL the claim and its attempt row take one
statement that commits on its own. Closing the attempt and dropping the lease (or, for
a retry, putting the execution back to pending) join the transaction of the final
record, so both commit or neither does.

Exactly once holds for the execution log and for the writes of a transactional
operation, which commit together with the final record. An operation without a
transaction that is killed midway runs again from the start on the next attempt.

The parts, one module each: :mod:`.message` (the message), :mod:`.sender` (the
sender's side), :mod:`.claims` (the worker's claim), :mod:`.lease` (renewing the claim),
:mod:`.worker` (running the call and closing its attempt) and :mod:`.database` (how
they use the log's database). This package exports the names the integrations use.
"""

from __future__ import annotations

from opsgen.integrations.background.claims import (
    ABANDONED_NOTE,
    FINISHED,
    REBUILT_COLUMNS,
    RECORD_COLUMNS,
    Claimed,
    NotClaimed,
    Rebuild,
    claim,
    claimable,
    record_from_row,
    worker_name,
)
from opsgen.integrations.background.database import (
    SHARED_CONNECTION,
    marker_transaction,
    shares_connection,
    single_statements,
)
from opsgen.integrations.background.lease import LeaseKeeper
from opsgen.integrations.background.message import MalformedMessage, QueuedCall
from opsgen.integrations.background.sender import (
    ENQUEUE_EFFECT,
    SEND_RETRY,
    OuterTransactionWriter,
    Sender,
    cancel_pending,
    enqueue,
    outer_transaction_writer,
    pending_record,
    rebuilt_record,
    send_effect,
    use_outer_transaction_writer,
    write_pending,
)
from opsgen.integrations.background.worker import (
    DEFAULT_LEASE,
    DEFAULT_MAX_TAKEOVERS,
    NOT_RETRIED,
    AttemptCloser,
    WorkerOutcome,
    attempt_rows,
    attempts_of,
    fail_pending,
    finish_attempt,
    run_queued,
)

__all__ = [
    "ABANDONED_NOTE",
    "AttemptCloser",
    "Claimed",
    "DEFAULT_LEASE",
    "DEFAULT_MAX_TAKEOVERS",
    "ENQUEUE_EFFECT",
    "FINISHED",
    "LeaseKeeper",
    "MalformedMessage",
    "NOT_RETRIED",
    "NotClaimed",
    "OuterTransactionWriter",
    "QueuedCall",
    "REBUILT_COLUMNS",
    "RECORD_COLUMNS",
    "Rebuild",
    "SEND_RETRY",
    "SHARED_CONNECTION",
    "Sender",
    "WorkerOutcome",
    "attempt_rows",
    "attempts_of",
    "cancel_pending",
    "claim",
    "claimable",
    "enqueue",
    "fail_pending",
    "finish_attempt",
    "marker_transaction",
    "outer_transaction_writer",
    "pending_record",
    "rebuilt_record",
    "record_from_row",
    "run_queued",
    "send_effect",
    "shares_connection",
    "single_statements",
    "use_outer_transaction_writer",
    "worker_name",
    "write_pending",
]
