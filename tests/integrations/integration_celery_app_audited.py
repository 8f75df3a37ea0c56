"""A Celery app whose runtime records the audit trail of ``integration_notes``, for call tree changes.

It reads the broker, key prefix and database from the same variables as
``integration_celery_app``. ``audit.note_and_queue`` writes one note and queues
``demo.record_note`` for another, so its call tree changes the table in two
transactions: its own, and the one the worker opens for the queued call.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert

from integration_ops import notes, record_note
from opsgen.audit import AuditConfig, AuditedEntity
from opsgen.audit import install as install_audit
from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime, configure

AUDIT_CONFIG = AuditConfig.of(AuditedEntity(name="note", table=notes.name))


class NoteAndQueueInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    queued_text: str


class NoteAndQueueOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    queued: str


NOTE_AND_QUEUE = OperationDeclaration(
    name="audit.note_and_queue",
    version=1,
    description="Write one note and queue another.",
    input_model=NoteAndQueueInput,
    output_model=NoteAndQueueOutput,
    transaction=TransactionDeclaration(),
    audit_changes=("note",),
)


class NoteAndQueue(Operation[NoteAndQueueInput, NoteAndQueueOutput]):
    declaration = NOTE_AND_QUEUE

    def run(self, ctx: ExecutionContext, *, text: str, queued_text: str) -> NoteAndQueueOutput:  # type: ignore[override]
        ctx.session.execute(insert(notes).values(text=text, actor=ctx.actor))
        return NoteAndQueueOutput(queued=record_note.enqueue(ctx, text=queued_text))


note_and_queue: OperationHandle[Any, Any] = OperationHandle(NOTE_AND_QUEUE, NoteAndQueue)
registry = {"audit.note_and_queue": note_and_queue, "demo.record_note": record_note}

app = Celery("opsgen_integration_audited", broker=os.environ["OPSGEN_TEST_BROKER"])
app.conf.update(
    broker_transport_options={
        "global_keyprefix": os.environ["OPSGEN_TEST_KEYPREFIX"],
        "visibility_timeout": float(os.environ.get("OPSGEN_TEST_VISIBILITY", "3")),
    },
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

runtime = configure(Runtime(database_url=os.environ["OPSGEN_DATABASE_URL"]))
# The test creates the audit tables and the triggers before it starts a worker.
install_audit(runtime, AUDIT_CONFIG)
integration = opsgen_celery.install(app, registry, runtime=runtime)
