"""Tables of the execution log and the effect outbox (SQLAlchemy Core).

The Alembic migrations in ``opsgen/runtime/migrations`` create these tables; this module
describes them for queries. Change both together: a new column needs a new revision.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


class ExecutionStatus(str, Enum):
    """Life cycle of an execution record.

    ``pending`` is an execution enqueued but not yet started; ``rejected`` a call a
    singleton turned away; ``skipped`` a call a singleton or guard skipped on purpose;
    ``abandoned`` a running execution whose lease expired because its process died;
    ``cancelled`` an enqueued execution whose caller's transaction rolled back, so it
    was never sent.
    """

    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    skipped = "skipped"
    rejected = "rejected"
    abandoned = "abandoned"
    cancelled = "cancelled"


class EffectStatus(str, Enum):
    """Delivery state of a side effect.

    ``pending`` waits in the outbox for delivery (durable effects); ``dropped`` belonged
    to a transaction that rolled back and never ran; ``failed`` used up its retries.
    """

    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    dropped = "dropped"


executions = Table(
    "opsgen_executions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("operation", String(200), nullable=False),
    Column("operation_version", Integer, nullable=False, default=1),
    Column("status", String(20), nullable=False),
    Column("parent_id", String(36), nullable=True),
    Column("root_id", String(36), nullable=False),
    Column("actor", String(200), nullable=True),
    Column("organization", String(200), nullable=True),
    Column("request_id", String(200), nullable=True),
    Column("correlation_id", String(200), nullable=True),
    Column("context_extra", JSON, nullable=True),
    Column("input", JSON, nullable=True),
    Column("output", JSON, nullable=True),
    Column("error_code", String(100), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("error_details", JSON, nullable=True),
    Column("traceback", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("duration_ms", Float, nullable=True),
    Column("host", String(255), nullable=True),
    Column("pid", Integer, nullable=True),
    Column("progress_total", Integer, nullable=True),
    Column("progress_done", Integer, nullable=True),
    Column("progress_message", Text, nullable=True),
    Column("progress_updated_at", DateTime(timezone=True), nullable=True),
    Column("lock_keys", JSON, nullable=True),
    Column("singleton_key", String(300), nullable=True),
    Column("fencing_token", BigInteger, nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Index("ix_opsgen_executions_parent_id", "parent_id"),
    Index("ix_opsgen_executions_root_id", "root_id"),
    Index("ix_opsgen_executions_status", "status"),
    Index("ix_opsgen_executions_operation_created", "operation", "created_at"),
    Index("ix_opsgen_executions_created_at", "created_at"),
)

effects = Table(
    "opsgen_effects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("execution_id", String(36), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("durable", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("payload", JSON, nullable=True),
    Column("payload_redacted", JSON, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False, default=3),
    Column("backoff", Float, nullable=False, default=1.0),
    Column("multiplier", Float, nullable=False, default=2.0),
    Column("max_delay", Float, nullable=False, default=300.0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    #: The claiming process as :func:`opsgen.runtime.locks.holders.process_identity`
    #: names it (``None`` where that is unknown), so a dispatcher on the same machine
    #: can tell that the claimant has ended. Added by revision 0005.
    Column("claimed_process", String(100), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Index("ix_opsgen_effects_execution_id", "execution_id"),
    Index("ix_opsgen_effects_status_next", "status", "next_attempt_at"),
)

#: One row per attempt of a queued execution: a worker's claim, and how it ended.
#: ``status`` is ``running`` while the attempt runs, then the execution's status after
#: it, or ``retrying`` when a retry follows, or ``abandoned`` when its worker died and
#: another worker took the execution over.
execution_attempts = Table(
    "opsgen_execution_attempts",
    metadata,
    Column("execution_id", String(36), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("worker", String(255), nullable=True),
    Column("delivery", String(255), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("error_code", String(100), nullable=True),
    Column("error_message", Text, nullable=True),
)

#: Calls enqueued inside a Django atomic block that the application opened: one intent
#: row (``committed`` false) a call, written outside the application's transaction, and
#: one proof row (``committed`` true), written inside it. A call whose intent has no
#: proof once its transaction ended was rolled back. The intent's ``payload`` is the
#: message (``QueuedCall.to_dict()``), kept until it is sent, so a committed call whose
#: send never happened can be sent later (see :mod:`opsgen.integrations.django.enqueue`).
#: Proof rows, and intents written before revision 0004, have no payload.
django_enqueues = Table(
    "opsgen_django_enqueues",
    metadata,
    Column("execution_id", String(36), primary_key=True),
    Column("committed", Boolean, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=True),
)
