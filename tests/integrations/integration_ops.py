"""Hand-written operations in the generated shape, shared by the integration tests.

``notes`` is the application table. ``demo.record_note`` writes one note in a
transaction; when the file named in its ``hold`` input exists it first writes
``<hold>.started`` and waits until the hold file is removed, so a test can kill the
worker midway. ``demo.plan_notes`` queues notes from inside its own transaction and
can fail after queueing, to roll it back. ``demo.flaky`` fails until its attempt
counter file reaches ``succeed_on``. ``demo.find_note`` declares a ``not_found`` error
mapped to HTTP 404.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from opsgen.runtime.declarations import (
    ErrorDeclaration,
    LockDeclaration,
    OperationDeclaration,
    RetryPolicy,
    SingletonDeclaration,
    TransactionDeclaration,
)
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed

app_metadata = MetaData()
notes = Table(
    "integration_notes",
    app_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text", String(200), nullable=False),
    Column("actor", String(200), nullable=True),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordNoteInput(_Model):
    text: str
    hold: str | None = None


class RecordNoteOutput(_Model):
    note_id: int


RECORD_NOTE = OperationDeclaration(
    name="demo.record_note",
    version=1,
    description="Write one note.",
    input_model=RecordNoteInput,
    output_model=RecordNoteOutput,
    context_requires=("actor",),
    transaction=TransactionDeclaration(),
    queue="notes",
)


class RecordNote(Operation[RecordNoteInput, RecordNoteOutput]):
    declaration = RECORD_NOTE

    def run(self, ctx: ExecutionContext, *, text: str, hold: str | None) -> RecordNoteOutput:  # type: ignore[override]
        ctx.logger.info("recording note %r for %s", text, ctx.actor)
        if hold and os.path.exists(hold):
            Path(hold + ".started").write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while os.path.exists(hold) and time.monotonic() < deadline:
                time.sleep(0.05)
        note_id = ctx.session.execute(insert(notes).values(text=text, actor=ctx.actor)).inserted_primary_key
        assert note_id is not None
        return RecordNoteOutput(note_id=int(note_id[0]))


class PlanNotesInput(_Model):
    texts: list[str]
    fail_after: bool = False


class PlanNotesOutput(_Model):
    queued: list[str]


PLAN_NOTES = OperationDeclaration(
    name="demo.plan_notes",
    version=1,
    description="Queue one note per text, then fail when asked to.",
    input_model=PlanNotesInput,
    output_model=PlanNotesOutput,
    errors=(ErrorDeclaration("asked_to_fail", "The caller asked this call to fail.", 409),),
    transaction=TransactionDeclaration(),
)


class PlanNotes(Operation[PlanNotesInput, PlanNotesOutput]):
    declaration = PLAN_NOTES

    def run(self, ctx: ExecutionContext, *, texts: list[str], fail_after: bool) -> PlanNotesOutput:  # type: ignore[override]
        queued = [record_note.enqueue(ctx, text=text) for text in texts]
        if fail_after:
            raise OperationFailed("asked_to_fail", "The caller asked this call to fail.")
        return PlanNotesOutput(queued=queued)


class FlakyInput(_Model):
    counter: str
    succeed_on: int


class FlakyOutput(_Model):
    attempts: int


FLAKY = OperationDeclaration(
    name="demo.flaky",
    version=1,
    description="Fail until the counter reaches succeed_on.",
    input_model=FlakyInput,
    output_model=FlakyOutput,
    retry=RetryPolicy(max_attempts=3, backoff=0.2, multiplier=1.0, max_delay=1.0),
    queue="notes",
)


class Flaky(Operation[FlakyInput, FlakyOutput]):
    declaration = FLAKY

    def run(self, ctx: ExecutionContext, *, counter: str, succeed_on: int) -> FlakyOutput:  # type: ignore[override]
        path = Path(counter)
        count = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(count))
        if count < succeed_on:
            raise ConnectionError(f"attempt {count} could not reach the provider")
        return FlakyOutput(attempts=count)


class FindNoteInput(_Model):
    note_id: int


class FindNoteOutput(_Model):
    text: str


FIND_NOTE = OperationDeclaration(
    name="demo.find_note",
    version=1,
    description="Return one note.",
    input_model=FindNoteInput,
    output_model=FindNoteOutput,
    errors=(ErrorDeclaration("not_found", "No note has this id.", 404),),
    transaction=TransactionDeclaration(),
)


class FindNote(Operation[FindNoteInput, FindNoteOutput]):
    declaration = FIND_NOTE

    def run(self, ctx: ExecutionContext, *, note_id: int) -> FindNoteOutput:  # type: ignore[override]
        text = ctx.session.execute(select(notes.c.text).where(notes.c.id == note_id)).scalar()
        if text is None:
            raise OperationFailed("not_found", "No note has this id.", {"note_id": note_id})
        return FindNoteOutput(text=text)


class TallyInput(_Model):
    name: str
    items: int


class TallyOutput(_Model):
    counted: int


TALLY = OperationDeclaration(
    name="demo.tally",
    version=1,
    description="Count items one by one, reporting progress, as a singleton under a lock.",
    input_model=TallyInput,
    output_model=TallyOutput,
    locks=(LockDeclaration(key="tally:{name}", timeout=5.0),),
    singleton=SingletonDeclaration(key="tally"),
    progress=True,
    queue="notes",
)


class Tally(Operation[TallyInput, TallyOutput]):
    declaration = TALLY

    def run(self, ctx: ExecutionContext, *, name: str, items: int) -> TallyOutput:  # type: ignore[override]
        ctx.progress.set_total(items)
        for _ in range(items):
            ctx.progress.advance(1)
        return TallyOutput(counted=items)


record_note: OperationHandle[Any, Any] = OperationHandle(RECORD_NOTE, RecordNote)
tally: OperationHandle[Any, Any] = OperationHandle(TALLY, Tally)
plan_notes: OperationHandle[Any, Any] = OperationHandle(PLAN_NOTES, PlanNotes)
flaky: OperationHandle[Any, Any] = OperationHandle(FLAKY, Flaky)
find_note: OperationHandle[Any, Any] = OperationHandle(FIND_NOTE, FindNote)


class DemoOperations:
    """Operations under ``demo``, as a generated registry groups them."""

    def __init__(self) -> None:
        self.record_note = record_note
        self.plan_notes = plan_notes
        self.flaky = flaky
        self.find_note = find_note
        self.tally = tally


class Operations:
    def __init__(self) -> None:
        self.demo = DemoOperations()


ops = Operations()
