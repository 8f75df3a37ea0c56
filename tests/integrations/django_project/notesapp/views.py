from __future__ import annotations

import json
from typing import Any

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from django_project.notesapp.operations import ops


@csrf_exempt
def create_note(request: Any) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    output = ops.notes.write(None, text=body.get("text")).unwrap()
    return JsonResponse({"note_id": output.note_id, "request_id": request.opsgen_context.request_id}, status=201)


def show_note(request: Any, note_id: int) -> JsonResponse:
    output = ops.notes.show(None, note_id=note_id).unwrap()
    return JsonResponse(output.model_dump())
