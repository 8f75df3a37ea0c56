"""Operations of the example project; they write with the Django ORM.

``EFFECTS`` lists the effects delivered, in order, so tests can see when they ran, and
``SENT`` the queued calls sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from opsgen.integrations.background import QueuedCall
from opsgen.runtime.declarations import (
    EffectDeclaration,
    ErrorDeclaration,
    LockDeclaration,
    OperationDeclaration,
    TransactionDeclaration,
)
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed

from django_project.notesapp.models import Counter, Note

EFFECTS: list[dict[str, Any]] = []

#: The calls the example views queued, in the order they were sent.
SENT: list[QueuedCall] = []


def record_effect(call: EffectCall) -> None:
    EFFECTS.append(dict(call.payload))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WriteNoteInput(_Model):
    text: str


class WriteNoteOutput(_Model):
    note_id: int


def _write_note_declaration(name: str, nested: str) -> OperationDeclaration:
    return OperationDeclaration(
        name=name,
        version=1,
        description="Write a note with the ORM; fail after writing when the text is 'fail'.",
        input_model=WriteNoteInput,
        output_model=WriteNoteOutput,
        errors=(ErrorDeclaration("refused", "This note is refused.", 409),),
        transaction=TransactionDeclaration(nested=nested),  # type: ignore[arg-type]
        effects=(EffectDeclaration("announce", "custom"),),
    )


class WriteNote(Operation[WriteNoteInput, WriteNoteOutput]):
    declaration = _write_note_declaration("notes.write", "join")

    def run(self, ctx: ExecutionContext, *, text: str) -> WriteNoteOutput:  # type: ignore[override]
        note = Note.objects.create(text=text, actor=ctx.actor)
        ctx.effect("announce", {"note_id": note.pk, "text": text})
        if text == "fail":
            raise OperationFailed("refused", "This note is refused.", {"note_id": note.pk})
        return WriteNoteOutput(note_id=note.pk)


class WriteNoteInSavepoint(WriteNote):
    declaration = _write_note_declaration("notes.write_in_savepoint", "savepoint")


class ShowNoteInput(_Model):
    note_id: int


class ShowNoteOutput(_Model):
    text: str
    actor: str | None


SHOW_NOTE = OperationDeclaration(
    name="notes.show",
    version=1,
    description="Return one note.",
    input_model=ShowNoteInput,
    output_model=ShowNoteOutput,
    errors=(ErrorDeclaration("not_found", "No note has this id.", 404),),
)


class ShowNote(Operation[ShowNoteInput, ShowNoteOutput]):
    declaration = SHOW_NOTE

    def run(self, ctx: ExecutionContext, *, note_id: int) -> ShowNoteOutput:  # type: ignore[override]
        note = Note.objects.filter(pk=note_id).first()
        if note is None:
            raise OperationFailed("not_found", "No note has this id.", {"note_id": note_id})
        return ShowNoteOutput(text=note.text, actor=note.actor)


class CountInput(_Model):
    name: str


class CountOutput(_Model):
    value: int


class CountUp(Operation[CountInput, CountOutput]):
    """Read a counter, add one and write it back: correct only while the lock is held."""

    declaration = OperationDeclaration(
        name="notes.count_up",
        version=1,
        description="Add one to the named counter under a lock on it.",
        input_model=CountInput,
        output_model=CountOutput,
        transaction=TransactionDeclaration(),
        locks=(LockDeclaration("counter:{name}", timeout=5, lease=30),),
    )

    def run(self, ctx: ExecutionContext, *, name: str) -> CountOutput:  # type: ignore[override]
        counter, _ = Counter.objects.get_or_create(name=name)
        counter.value += 1
        counter.save(update_fields=["value"])
        return CountOutput(value=counter.value)


class RelayCount(Operation[CountInput, CountOutput]):
    """Call ``notes.count_up`` nested, in this operation's transaction, with no lock of its own."""

    declaration = OperationDeclaration(
        name="notes.relay_count",
        version=1,
        description="Count up through the nested notes.count_up.",
        input_model=CountInput,
        output_model=CountOutput,
        transaction=TransactionDeclaration(),
    )

    def run(self, ctx: ExecutionContext, *, name: str) -> CountOutput:  # type: ignore[override]
        return ops.notes.count_up(ctx, name=name).unwrap()


class NotesOperations:
    def __init__(self) -> None:
        self.write = OperationHandle(WriteNote.declaration, WriteNote)
        self.write_in_savepoint = OperationHandle(WriteNoteInSavepoint.declaration, WriteNoteInSavepoint)
        self.show = OperationHandle(SHOW_NOTE, ShowNote)
        self.count_up = OperationHandle(CountUp.declaration, CountUp)
        self.relay_count = OperationHandle(RelayCount.declaration, RelayCount)


class Operations:
    def __init__(self) -> None:
        self.notes = NotesOperations()


ops = Operations()
