from functools import partial

from django.db import transaction

from notes.models import Note
from notes.search_indexes import NoteIndex, refresh_search


def publish_note(note_id, editor):
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note_id)
        note.published = True
        note.editor = editor
        note.save(update_fields=["published", "editor"])
        transaction.on_commit(partial(refresh_search, note))


def retract_note(note_id):
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note_id)
        note.published = False
        note.save(update_fields=["published"])
    NoteIndex().remove_object(note)
