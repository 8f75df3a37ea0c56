"""The example Django project on PostgreSQL: atomic nesting, on_commit effects, middleware, problems."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from integration_support import wait_for

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
    from django_project.notesapp.models import Counter, Note
    from django_project.notesapp.operations import EFFECTS, SENT

    Note.objects.all().delete()
    Counter.objects.all().delete()
    EFFECTS.clear()
    SENT.clear()
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
    # The record shared the application's transaction; after its rollback the record
    # is written again, outside it, as rolled back.
    record = wait_for(
        lambda: runtime.store.find_execution(str(result.execution_id)), 5, "the rolled-back call's record"
    )
    assert record["status"] == "failed"
    assert record["error_code"] == "transaction_rolled_back"
    assert record["output"] is None


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


def test_lock_backend_down_is_503_problem(runtime: Any, closed_port: int) -> None:
    from django.test import Client

    from opsgen.runtime.locks import open_lock_backend

    backend = runtime.get_lock_backend()
    runtime.lock_backend = open_lock_backend(f"redis://127.0.0.1:{closed_port}/0")
    try:
        response = Client().post("/counters/stock/count-up", headers={"X-User": "eve"})
    finally:
        runtime.lock_backend.close()
        runtime.lock_backend = backend

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "lock_unavailable"
    record = runtime.store.find_execution(problem["execution_id"])
    assert record["status"] == "failed"
    assert record["error_code"] == "lock_unavailable"


def test_enqueue_in_atomic_block_sends_after_commit(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.integrations.django import resolve_enqueues
    from opsgen.runtime.context import Context

    sent: list[QueuedCall] = []
    with transaction.atomic():
        committed_id = enqueue(ops.notes.write, Context(actor="fred"), {"text": "queued"}, sent.append)
        assert sent == []
    with pytest.raises(Rollback):
        with transaction.atomic():
            rolled_back_id = enqueue(ops.notes.write, Context(actor="fred"), {"text": "dropped"}, sent.append)
            # The record is outside the transaction, and its lock keeps the resolution away.
            assert resolve_enqueues(runtime) == []
            assert runtime.store.find_execution(rolled_back_id)["status"] == "pending"
            raise Rollback

    assert [call.execution_id for call in sent] == [committed_id]
    assert resolve_enqueues(runtime) == [rolled_back_id]
    assert runtime.store.find_execution(committed_id)["status"] == "pending"
    cancelled = runtime.store.find_execution(rolled_back_id)
    assert cancelled["status"] == "cancelled"
    assert cancelled["error_code"] == "cancelled"
    assert "rolled back" in cancelled["error_message"]
    assert cancelled["actor"] == "fred"
    assert resolve_enqueues(runtime) == []


def test_enqueue_in_rolled_back_savepoint_is_cancelled(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.runtime.context import Context

    sent: list[QueuedCall] = []
    with transaction.atomic():
        kept_id = enqueue(ops.notes.write, Context(actor="gil"), {"text": "kept"}, sent.append)
        with pytest.raises(Rollback):
            with transaction.atomic():
                dropped_id = enqueue(ops.notes.write, Context(actor="gil"), {"text": "dropped"}, sent.append)
                raise Rollback

    assert [call.execution_id for call in sent] == [kept_id]
    # The next enqueue of this thread, outside any atomic block, resolves the earlier ones.
    later_id = enqueue(ops.notes.write, Context(actor="gil"), {"text": "later"}, sent.append)
    assert runtime.store.find_execution(dropped_id)["status"] == "cancelled"
    assert runtime.store.find_execution(kept_id)["status"] == "pending"
    assert runtime.store.find_execution(later_id)["status"] == "pending"
    assert [call.execution_id for call in sent] == [kept_id, later_id]


def test_enqueue_inside_operation_in_rolled_back_block(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.integrations.django import resolve_enqueues
    from opsgen.runtime.context import Context
    from opsgen.runtime.execution import ExecutionContext
    from opsgen.runtime.handle import OperationHandle
    from opsgen.runtime.operation import Operation

    sent: list[QueuedCall] = []
    queued: list[str] = []

    class QueueFromOperation(Operation[Any, Any]):
        declaration = ops.notes.write.declaration

        def run(self, ctx: ExecutionContext, *, text: str) -> Any:  # type: ignore[override]
            queued.append(enqueue(ops.notes.write, ctx, {"text": text}, sent.append))
            return self.declaration.output_model(note_id=0)

    handle: OperationHandle[Any, Any] = OperationHandle(ops.notes.write.declaration, QueueFromOperation)
    with pytest.raises(Rollback):
        with transaction.atomic():
            assert handle(Context(actor="hal"), text="from an operation").ok
            raise Rollback

    assert sent == []
    assert resolve_enqueues(runtime) == queued
    assert runtime.store.find_execution(queued[0])["status"] == "cancelled"


def test_view_rollback_cancels_queued_calls(runtime: Any) -> None:
    from django.test import Client
    from django_project.notesapp.operations import SENT

    client = Client()

    rolled_back = client.post("/notes/queue", data={"texts": ["a", "b"], "fail": True}, content_type="application/json",
                          headers={"X-User": "ivy"})
    accepted = client.post("/notes/queue", data={"texts": ["c"]}, content_type="application/json",
                           headers={"X-User": "ivy"})

    assert rolled_back.status_code == 409
    assert accepted.status_code == 202
    # Django's request_finished signal resolved the calls of the rolled-back request.
    for execution_id in rolled_back.json()["queued"]:
        assert runtime.store.find_execution(execution_id)["status"] == "cancelled"
    (accepted_id,) = accepted.json()["queued"]
    assert runtime.store.find_execution(accepted_id)["status"] == "pending"
    assert [call.execution_id for call in SENT] == [accepted_id]


def test_view_invalid_enqueue_gets_422(runtime: Any) -> None:
    from django.test import Client
    from django_project.notesapp.operations import SENT

    SENT.clear()
    response = Client().post("/notes/queue", data={"texts": [42]}, content_type="application/json",
                             headers={"X-User": "ivy"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["execution_id"] is None
    assert [error["field"] for error in problem["details"]["errors"]] == ["text"]
    assert SENT == []


KILLED_ENQUEUER = """
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
import django
django.setup()
from django.db import transaction
from django_project.notesapp.operations import ops
from opsgen.integrations.background import enqueue
from opsgen.integrations.django import django_runtime
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import configure

configure(django_runtime())
with transaction.atomic():
    print(enqueue(ops.notes.write, Context(actor="jo"), {"text": "never committed"}, lambda call: None), flush=True)
    time.sleep(120)
"""


def test_killed_enqueuer_is_cancelled_by_resolution(runtime: Any) -> None:
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from opsgen.integrations.django import resolve_enqueues

    tests_dir = Path(__file__).resolve().parent
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_ENQUEUER], cwd=tests_dir, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tests_dir), os.environ.get("PYTHONPATH", "")])},
    )
    try:
        assert process.stdout is not None
        execution_id = process.stdout.readline().strip()
        assert execution_id
        assert resolve_enqueues(runtime) == []
        assert runtime.store.find_execution(execution_id)["status"] == "pending"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    cancelled = wait_for(lambda: resolve_enqueues(runtime), 30, "the killed enqueuer's transaction to end")
    assert cancelled == [execution_id]
    assert runtime.store.find_execution(execution_id)["status"] == "cancelled"


def test_worker_on_django_runtime_keeps_autocommit(runtime: Any) -> None:
    from django.db import connection
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, attempts_of, enqueue, run_queued
    from opsgen.runtime.context import Context

    sent: list[QueuedCall] = []
    execution_id = enqueue(ops.notes.write, Context(actor="kai"), {"text": "run by a worker"}, sent.append)

    outcome = run_queued({"notes.write": ops.notes.write}, runtime, sent[0], lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    assert connection.get_autocommit()
    assert not connection.in_atomic_block
    assert Note.objects.filter(text="run by a worker").count() == 1
    assert runtime.store.find_execution(execution_id)["status"] == "succeeded"
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["succeeded"]


def _lock_free(runtime: Any, key: str, timeout: float) -> bool:
    """Return whether another thread can take ``key`` within ``timeout`` seconds (and let it go)."""
    from opsgen.runtime.locks.base import LockTimeout

    outcome: list[bool] = []

    def probe() -> None:
        try:
            with runtime.get_lock_backend().acquire_many([key], timeout=timeout, lease=5, owner="probe"):
                outcome.append(True)
        except LockTimeout:
            outcome.append(False)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(timeout + 10)
    return outcome == [True]


def _counter(name: str) -> int:
    from django_project.notesapp.models import Counter

    return int(Counter.objects.get(name=name).value)


def test_lock_held_until_block_commits(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        assert ops.notes.count_up(Context(actor="ed"), name="held").ok
        # The increment is not committed yet: a process that took the key now would
        # read the old value and overwrite this one.
        assert not _lock_free(runtime, "counter:held", timeout=0.3)
    assert _lock_free(runtime, "counter:held", timeout=2)
    assert _counter("held") == 1


def test_lock_released_after_block_rollback(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.models import Counter
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with pytest.raises(Rollback):
        with transaction.atomic():
            assert ops.notes.count_up(Context(actor="ed"), name="undone").ok
            raise Rollback
    assert not Counter.objects.filter(name="undone").exists()
    wait_for(lambda: _lock_free(runtime, "counter:undone", timeout=0.2), 5, "the lock of the rolled-back block to end")


def test_savepoint_rollback_releases_lock(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        with pytest.raises(Rollback):
            with transaction.atomic():
                assert ops.notes.count_up(Context(actor="ed"), name="inner").ok
                raise Rollback
        wait_for(lambda: _lock_free(runtime, "counter:inner", timeout=0.2), 5, "the rolled-back savepoint's lock to end")


def test_nested_call_lock_kept_by_block(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        assert ops.notes.relay_count(Context(actor="ed"), name="relayed").ok
        assert not _lock_free(runtime, "counter:relayed", timeout=0.3)
    assert _lock_free(runtime, "counter:relayed", timeout=2)


def test_later_call_reuses_kept_key(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        first = ops.notes.count_up(Context(actor="ed"), name="twice")
        started = time.monotonic()
        second = ops.notes.relay_count(Context(actor="ed"), name="twice")
        waited = time.monotonic() - started
    assert first.ok, first
    assert second.ok, second
    assert waited < 2, f"the second call waited {waited:.1f} s for a key its own block held"
    assert _counter("twice") == 2


def test_no_increment_lost_under_blocks(runtime: Any) -> None:
    from django.db import connection, transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    errors: list[BaseException] = []

    def count(rounds: int) -> None:
        try:
            for _ in range(rounds):
                with transaction.atomic():
                    ops.notes.count_up(Context(actor="ed"), name="shared").unwrap()
                    time.sleep(0.02)  # the view goes on after the call, before its commit
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=count, args=(12,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _counter("shared") == 24


def test_failure_record_outlives_rollback(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with pytest.raises(Rollback):
        with transaction.atomic():
            refused = ops.notes.write(Context(actor="ann"), text="fail")
            invalid = ops.notes.write(Context(actor="ann"), text=["not", "a", "string"])
            raise Rollback  # as a view does when it turns the failure into an error response

    assert not refused.ok
    assert not invalid.ok
    for failure, code in ((refused, "refused"), (invalid, "invalid_input")):
        record = runtime.store.find_execution(str(failure.execution_id))
        assert record is not None, f"the {code} failure vanished with the rollback"
        assert (record["status"], record["error_code"]) == ("failed", code)


def test_failure_record_commits_with_block(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.models import Note
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        Note.objects.create(text="kept by the view")
        refused = ops.notes.write(Context(actor="ann"), text="fail")

    record = runtime.store.find_execution(str(refused.execution_id))
    assert record is not None
    assert (record["status"], record["error_code"]) == ("failed", "refused")
    assert Note.objects.filter(text="kept by the view").exists()


def test_rolled_back_locked_call_recorded(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with pytest.raises(Rollback):
        with transaction.atomic():
            counted = ops.notes.count_up(Context(actor="ed"), name="undone-record")
            assert counted.ok
            raise Rollback

    def settled() -> Any:
        row = runtime.store.find_execution(str(counted.execution_id))
        return row if row is not None and row["status"] != "running" else None

    record = wait_for(settled, 5, "the record of the rolled-back call")
    assert (record["status"], record["error_code"]) == ("failed", "transaction_rolled_back")


def test_log_tables_outlive_first_rollback(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops, record_effect
    from sqlalchemy import text

    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.context import Context

    with runtime.schema_engine.begin() as connection:
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'opsgen%'")).scalars()
        for table in list(tables):
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    fresh = django_runtime()
    fresh.register_effect_handler("announce", record_effect)
    write = ops.notes.write.bind(fresh)
    try:
        with pytest.raises(Rollback):
            with transaction.atomic():
                assert not write(Context(actor="fy"), text="fail").ok
                raise Rollback
        later = write(Context(actor="fy"), text="after the first request")
    finally:
        fresh.dispose()
        runtime.ensure_schema()

    assert later.ok, later


def test_system_check_middleware_order(runtime: Any) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.test.utils import override_settings

    opsgen_first = ["opsgen.integrations.django.OpsgenMiddleware",
                    *(path for path in settings.MIDDLEWARE if "Opsgen" not in path),
                    "django.contrib.auth.middleware.AuthenticationMiddleware"]
    with override_settings(MIDDLEWARE=opsgen_first):
        with pytest.raises(SystemCheckError, match="opsgen.E001"):
            call_command("check", verbosity=0)
    with override_settings(MIDDLEWARE=[*opsgen_first[1:], opsgen_first[0]]):
        call_command("check", verbosity=0)


def test_system_check_rejects_unimportable_settings(runtime: Any) -> None:
    from django.core import checks
    from django.test.utils import override_settings

    with override_settings(OPSGEN_REGISTRY="django_project.notesapp.operatons.ops", OPSGEN_ACTOR="json.dumps"):
        errors = [message for message in checks.run_checks() if message.id == "opsgen.E002"]
    with override_settings(OPSGEN_REGISTRY="django_project.notesapp.operations.ops"):
        assert not [message for message in checks.run_checks() if message.id == "opsgen.E002"]

    assert len(errors) == 1
    assert "OPSGEN_REGISTRY = 'django_project.notesapp.operatons.ops'" in errors[0].msg
    assert "cannot be imported" in errors[0].msg
    assert errors[0].hint.startswith("set it to the dotted path of an existing object")


def test_system_check_warns_without_runtime(runtime: Any) -> None:
    from django.core import checks

    from opsgen.runtime.runtime import Runtime, configure

    assert not [message for message in checks.run_checks() if message.id == "opsgen.W001"]
    plain = Runtime(database_url="sqlite://")
    try:
        configure(plain)
        warned = [message for message in checks.run_checks() if message.id == "opsgen.W001"]
    finally:
        configure(runtime)
        plain.dispose()
    assert len(warned) == 1
    assert "not a django_runtime()" in warned[0].msg


def test_request_orm_writes_carry_actor(runtime: Any) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from opsgen.audit import AuditConfig, AuditedEntity, history, install

    install(runtime, AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter")), install_triggers=True)
    try:
        bumped = Client().post("/counters/audited/bump", headers={"X-User": "gus", "X-Request-ID": "req-audit"})
    finally:
        from opsgen.audit.hook import audit_hook

        runtime.on_transaction_begin.remove(audit_hook)
    assert bumped.status_code == 200, bumped.content

    with runtime.schema_engine.connect() as connection:
        versions = history(connection, "counter", bumped.json()["id"])
    actor = str(User.objects.get(username="gus").pk)
    assert [version.action for version in versions] == ["update", "insert"]
    assert {(version.origin, version.actor, version.trace_id) for version in versions} == {("runtime", actor, "req-audit")}


def test_slow_commit_callbacks_keep_success(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        # Django takes every callback off its list before it runs the first one, so
        # while this one sleeps the sweeper finds the call's callback missing.
        transaction.on_commit(lambda: time.sleep(1.5))
        counted = ops.notes.count_up(Context(actor="ed"), name="slow-commit")
    time.sleep(0.6)  # one more sweep after the callbacks

    record = runtime.store.find_execution(str(counted.execution_id))
    assert record is not None
    assert (record["status"], record["error_code"]) == ("succeeded", None)


def test_runtime_follows_test_database_switch(runtime: Any, postgres_url: str) -> None:
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django_project.notesapp.operations import ops, record_effect

    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.context import Context

    # Django's test runner builds the runtime in AppConfig.ready(), then points the
    # alias at test_<NAME>, as this test does by hand.
    fresh = django_runtime()
    fresh.register_effect_handler("announce", record_effect)
    original = connection.settings_dict["NAME"]
    switched = f"{original}_switched"
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{switched}"')
    try:
        connection.close()
        connection.settings_dict["NAME"] = switched
        call_command("migrate", run_syncdb=True, verbosity=0)
        written = ops.notes.write.bind(fresh)(Context(actor="tr"), text="in the test database")
        assert written.ok, written
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), count(*) FROM opsgen_executions WHERE id = %s",
                           [written.execution_id])
            assert cursor.fetchone() == (switched, 1)
    finally:
        fresh.dispose()
        connection.close()
        connection.settings_dict["NAME"] = original
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{switched}" WITH (FORCE)')


def test_request_audit_keeps_writers_apart(runtime: Any) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from opsgen.audit import AuditConfig, AuditedEntity, history, install
    from opsgen.audit.hook import audit_hook

    install(runtime, AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter"),
                                    AuditedEntity(name="note", table="notesapp_note")), install_triggers=True)
    client = Client()
    headers = {"X-User": "hal", "X-Request-ID": "req-apart"}
    try:
        note = client.post("/notes", data={"text": "by an operation"}, content_type="application/json", headers=headers)
        twice = client.post("/counters/twice/twice", headers=headers)
        many = client.post("/counters/many/many", headers=headers)
        after = client.post("/counters/after/after-operation", headers=headers)
    finally:
        runtime.on_transaction_begin.remove(audit_hook)
    assert [note.status_code, twice.status_code, many.status_code, after.status_code] == [201, 200, 200, 200]

    actor = str(User.objects.get(username="hal").pk)
    with runtime.schema_engine.connect() as connection:
        [written] = history(connection, "note", note.json()["note_id"])
        by_request = [
            version
            for entity_id in (twice.json()["id"], many.json()["id"], after.json()["id"])
            for version in history(connection, "counter", entity_id)
        ]
    # An operation's own writes keep its execution and operation.
    assert (written.operation, written.actor) == ("notes.write", actor)
    assert written.execution_id is not None
    # The request's writes: both calls of a decorated function, an executemany, and a
    # write after an operation in the same block, all carry the request, not an operation.
    assert len(by_request) == 7  # twice: insert and two updates; many: insert and two updates; after: insert
    assert {(v.origin, v.actor, v.trace_id, v.execution_id) for v in by_request} == {("runtime", actor, "req-apart", None)}


def test_request_audit_attributes_writes_outside_atomic_blocks(runtime: Any) -> None:
    from django.contrib.auth.models import User
    from django.test import Client
    from django_project.notesapp.models import Counter

    from opsgen.audit import AuditConfig, AuditedEntity, history, install
    from opsgen.audit.hook import audit_hook

    install(runtime, AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter"),
                                    AuditedEntity(name="note", table="notesapp_note")), install_triggers=True)
    Counter.objects.create(name="taken")  # outside any request: a raw write
    client = Client()
    headers = {"X-User": "uma", "X-Request-ID": "req-loose"}
    try:
        loose = client.post("/counters/loose/autocommit", headers=headers)
        duplicate = client.post("/counters/taken/duplicate", headers=headers)
    finally:
        runtime.on_transaction_begin.remove(audit_hook)
    assert [loose.status_code, duplicate.status_code] == [200, 200], duplicate.content

    actor = str(User.objects.get(username="uma").pk)
    with runtime.schema_engine.connect() as connection:
        counter = history(connection, "counter", loose.json()["id"])
        note = history(connection, "note", loose.json()["note_id"])
        after_failure = history(connection, "counter", duplicate.json()["id"])
        taken = history(connection, "counter", Counter.objects.get(name="taken").pk)
    # Each autocommit statement of the request carries the request: an insert, a save, a
    # queryset update, an insert and a delete (history lists the newest first).
    assert [version.action for version in counter + note] == ["update", "update", "insert", "delete", "insert"]
    request = ("runtime", actor, "req-loose", None)
    assert {(v.origin, v.actor, v.trace_id, v.execution_id) for v in counter + note} == {request}
    assert Counter.objects.get(pk=loose.json()["id"]).value == 6
    # The failed insert rolled back alone; the connection went on in autocommit mode.
    assert [(v.origin, v.actor) for v in after_failure] == [("runtime", actor)]
    assert [(v.origin, v.actor) for v in taken] == [("raw", None)]


def test_dropped_effect_survives_view_rollback(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import EFFECTS, ops

    from opsgen.runtime.context import Context

    with pytest.raises(Rollback):
        with transaction.atomic():
            failed = ops.notes.write(Context(actor="kai"), text="fail")
            assert not failed.ok
            raise Rollback  # the view returns 500, so ATOMIC_REQUESTS rolls back

    assert EFFECTS == []
    rows = runtime.store.effects_of([str(failed.execution_id)])
    assert [(row["name"], row["status"]) for row in rows] == [("announce", "dropped")]
    assert "failed with refused" in rows[0]["last_error"]


def test_untransacted_failure_stays_logged(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        committed = ops.notes.show(Context(actor="ivy"), note_id=987654)
    with pytest.raises(Rollback):
        with transaction.atomic():
            rolled_back = ops.notes.show(Context(actor="ivy"), note_id=987655)
            raise Rollback

    def final(failure: Any) -> Any:
        row = runtime.store.find_execution(str(failure.execution_id))
        return row if row is not None and row["status"] != "running" else None

    for failure in (committed, rolled_back):
        assert not failure.ok
        record = wait_for(lambda: final(failure), 5, "the failure record")
        assert (record["status"], record["error_code"]) == ("failed", "not_found")


def test_dispose_settles_rolled_back_block(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops, record_effect

    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.context import Context

    fresh = django_runtime()
    fresh.register_effect_handler("announce", record_effect)
    with pytest.raises(Rollback):
        with transaction.atomic():
            written = ops.notes.write.bind(fresh)(Context(actor="jo"), text="then the script exits")
            raise Rollback
    fresh.dispose()  # before the sweeper's next look

    record = runtime.store.find_execution(str(written.execution_id))
    assert record is not None
    assert (record["status"], record["error_code"]) == ("failed", "transaction_rolled_back")


def test_lock_backend_uses_django_database(runtime: Any) -> None:
    from django.db import connection

    assert runtime.engine.url.database == connection.settings_dict["NAME"]
    with runtime.get_lock_backend().acquire_many(["counter:where"], timeout=5, lease=5, owner="probe"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_database ON pg_database.oid = pg_locks.database "
                "WHERE pg_locks.locktype = 'advisory' AND pg_database.datname = current_database()"
            )
            held_here = cursor.fetchone()[0]
    assert held_here >= 1, "the advisory lock was taken in another database than Django's"


def test_forked_child_resets_sweeper(runtime: Any) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.runtime.context import Context

    with transaction.atomic():
        assert ops.notes.count_up(Context(actor="kim"), name="before-fork").ok
        # The parent's sweeper is running while the block is open, then the process forks.
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            os._exit(0 if runtime.outer_transaction._sweeper is None and not runtime.outer_transaction._waiting else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
