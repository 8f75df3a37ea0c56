"""The example Django project on PostgreSQL: atomic nesting, on_commit effects, middleware, problems."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


class Rollback(Exception):
    """Raised inside an atomic block to roll it back."""


@pytest.fixture(scope="module")
def django_setup(postgres_url: str) -> Iterator[Any]:
    """Django configured on the test database, with its tables and the opsgen runtime."""
    os.environ["OPSGEN_TEST_DJANGO_DATABASE"] = postgres_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)

    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.runtime import configure, reset_runtime

    from django_project.notesapp.operations import record_effect

    runtime = configure(django_runtime())
    runtime.ensure_schema()
    runtime.register_effect_handler("announce", record_effect)
    yield runtime
    reset_runtime()
    from django.db import connections

    connections.close_all()


@pytest.fixture
def runtime(django_setup: Any) -> Iterator[Any]:
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import EFFECTS

    Note.objects.all().delete()
    EFFECTS.clear()
    yield django_setup


def test_operation_rolls_back_with_open_atomic(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import EFFECTS, ops

    from opsgen.runtime.context import Context

    with pytest.raises(Rollback):
        with transaction.atomic():
            result = ops.notes.write(Context(actor="ann"), text="rolled back with the view")
            assert result.ok
            assert Note.objects.filter(text="rolled back with the view").exists()
            raise Rollback

    assert not Note.objects.filter(text="rolled back with the view").exists()
    assert EFFECTS == []
    # The record shared the application's transaction, so the rollback removed it too.
    assert runtime.store.find_execution(str(result.execution_id)) is None


def test_effects_wait_for_the_outermost_django_commit(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import EFFECTS, ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        Note.objects.create(text="written by the view")
        result = ops.notes.write(Context(actor="ben"), text="committed with the view")
        assert result.ok
        assert EFFECTS == []

    assert EFFECTS == [{"note_id": result.value.note_id, "text": "committed with the view"}]
    assert Note.objects.filter(text__in=["written by the view", "committed with the view"]).count() == 2
    record = runtime.store.find_execution(str(result.execution_id))
    assert record["status"] == "succeeded"
    assert record["actor"] == "ben"


def test_operation_alone_commits_its_own_atomic_block(runtime: Any) -> None:
    from django.db import connection
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import EFFECTS, ops

    from opsgen.runtime.context import Context

    done = ops.notes.write(Context(actor="cy"), text="alone")
    failed = ops.notes.write(Context(actor="cy"), text="fail")

    assert done.ok
    assert not connection.in_atomic_block
    assert Note.objects.filter(text="alone").count() == 1
    assert not failed.ok
    assert failed.code == "refused"
    assert not Note.objects.filter(text="fail").exists()
    assert [effect["text"] for effect in EFFECTS] == ["alone"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, error_code FROM opsgen_executions WHERE id = %s", [failed.execution_id])
        assert cursor.fetchone() == ("failed", "refused")


def test_savepoint_operation_fails_alone_inside_atomic_block(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import EFFECTS, ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        Note.objects.create(text="kept by the view")
        failed = ops.notes.write_in_savepoint(Context(actor="di"), text="fail")
        kept = ops.notes.write_in_savepoint(Context(actor="di"), text="kept by the savepoint")

    assert not failed.ok
    assert kept.ok
    texts = set(Note.objects.values_list("text", flat=True))
    assert texts == {"kept by the view", "kept by the savepoint"}
    assert [effect["text"] for effect in EFFECTS] == ["kept by the savepoint"]


def test_middleware_context_and_problem_response(runtime: Any) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()

    created = client.post("/notes", data={"text": "from a request"}, content_type="application/json",
                          headers={"X-User": "eve", "X-Request-ID": "req-d1"})
    missing = client.get("/notes/123456", headers={"X-User": "eve"})
    refused = client.post("/notes", data={"text": "fail"}, content_type="application/json", headers={"X-User": "eve"})

    assert created.status_code == 201
    assert created.json()["request_id"] == "req-d1"
    assert created["X-Request-ID"] == "req-d1"
    record = runtime.store.list_executions(operation="notes.write", limit=1, status=["succeeded"])[0]
    assert record["actor"] == str(User.objects.get(username="eve").pk)
    assert record["request_id"] == "req-d1"
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    assert missing.json()["instance"] == "/notes/123456"
    assert refused.status_code == 409
    assert refused.json()["code"] == "refused"
    assert runtime.store.find_execution(refused.json()["execution_id"])["status"] == "failed"


def test_enqueue_in_atomic_block_sends_after_commit(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.runtime.context import Context

    sent: list[QueuedCall] = []
    with transaction.atomic():
        committed_id = enqueue(ops.notes.write, Context(actor="fred"), {"text": "queued"}, sent.append)
        assert sent == []
    with pytest.raises(Rollback):
        with transaction.atomic():
            rolled_back_id = enqueue(ops.notes.write, Context(actor="fred"), {"text": "dropped"}, sent.append)
            raise Rollback

    assert [call.execution_id for call in sent] == [committed_id]
    assert runtime.store.find_execution(committed_id)["status"] == "pending"
    assert runtime.store.find_execution(rolled_back_id) is None
