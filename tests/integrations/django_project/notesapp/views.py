from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from django_project.notesapp.operations import SENT, ops
from opsgen.integrations.background import enqueue


class QueueRolledBack(Exception):
    """Raised in the queueing view's atomic block to roll it back."""


@csrf_exempt
def create_note(request: Any) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    output = ops.notes.write(None, text=body.get("text")).unwrap()
    return JsonResponse({"note_id": output.note_id, "request_id": request.opsgen_context.request_id}, status=201)


def show_note(request: Any, note_id: int) -> JsonResponse:
    output = ops.notes.show(None, note_id=note_id).unwrap()
    return JsonResponse(output.model_dump())


@csrf_exempt
def queue_notes(request: Any) -> JsonResponse:
    """Queue one note per text in one atomic block; roll the block back when ``fail`` is set."""
    body = json.loads(request.body or b"{}")
    queued: list[str] = []
    try:
        with transaction.atomic():
            for text in body.get("texts", []):
                queued.append(enqueue(ops.notes.write, None, {"text": text}, SENT.append))
            if body.get("fail"):
                raise QueueRolledBack
    except QueueRolledBack:
        return JsonResponse({"queued": queued}, status=409)
    return JsonResponse({"queued": queued}, status=202)


@csrf_exempt
def bump_counter(request: Any, name: str) -> JsonResponse:
    """Add one to a counter with the ORM alone, in an atomic block: a write that no operation makes."""
    from django_project.notesapp.models import Counter

    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
        counter.value += 1
        counter.save(update_fields=["value"])
    return JsonResponse({"id": counter.pk, "value": counter.value})


@csrf_exempt
def count_up(request: Any, name: str) -> JsonResponse:
    """Add one to a counter through ``notes.count_up``, which takes a lock on its name."""
    output = ops.notes.count_up(None, name=name).unwrap()
    return JsonResponse({"value": output.value})


@transaction.atomic
def _bump(name: str) -> int:
    from django_project.notesapp.models import Counter

    counter, _ = Counter.objects.get_or_create(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return int(counter.pk)


@csrf_exempt
def bump_twice(request: Any, name: str) -> JsonResponse:
    """Call one ``@transaction.atomic`` function twice: two transactions of one ``Atomic`` object."""
    first = _bump(name)
    _bump(name)
    return JsonResponse({"id": first})


@csrf_exempt
def bump_with_executemany(request: Any, name: str) -> JsonResponse:
    """Start an atomic block with an ``executemany``, the first statement that reaches the audit wrapper."""
    from django.db import connection

    from django_project.notesapp.models import Counter

    counter, _ = Counter.objects.get_or_create(name=name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany("UPDATE notesapp_counter SET value = value + %s WHERE name = %s", [(1, name), (2, name)])
    return JsonResponse({"id": counter.pk})


@csrf_exempt
def bump_after_operation(request: Any, name: str) -> JsonResponse:
    """Run an operation, then write with the ORM, in one atomic block."""
    from django_project.notesapp.models import Counter

    with transaction.atomic():
        ops.notes.count_up(None, name=f"{name}-by-operation").unwrap()
        counter, _ = Counter.objects.get_or_create(name=name)
    return JsonResponse({"id": counter.pk})


@csrf_exempt
def bump_without_atomic(request: Any, name: str) -> JsonResponse:
    """Write with the ORM outside any atomic block: each statement commits on its own."""
    from django_project.notesapp.models import Counter, Note

    counter = Counter.objects.create(name=name)
    counter.value = 5
    counter.save(update_fields=["value"])
    Counter.objects.filter(pk=counter.pk).update(value=6)
    note = Note.objects.create(text=f"{name} removed")
    Note.objects.filter(pk=note.pk).delete()
    return JsonResponse({"id": counter.pk, "note_id": note.pk})


@csrf_exempt
def duplicate_counter(request: Any, name: str) -> JsonResponse:
    """Insert a counter whose name exists, outside any atomic block, then write once more."""
    from django.db import IntegrityError

    from django_project.notesapp.models import Counter

    try:
        Counter.objects.create(name=name)
    except IntegrityError:
        pass
    else:
        return JsonResponse({"error": "the duplicate was inserted"}, status=500)
    counter = Counter.objects.create(name=f"{name}-after")
    return JsonResponse({"id": counter.pk})
