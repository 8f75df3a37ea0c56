"""Committed Django enqueues that were never sent: the resolver sends them, and the worker runs them once.

The example Django project runs on PostgreSQL, queued calls go to Celery on the local
Redis, and workers are real ``celery worker`` processes of ``django_resend_app``.
Processes that die are real subprocesses killed with SIGKILL.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from integration_support import HERE, WORKER_START_TIMEOUT, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery, pytest.mark.timeout(180)]

# Enqueues in an atomic block, then stops in an on_commit callback that Django runs
# before opsgen's send: the process is killed after the commit and before the send.
COMMIT_THEN_HOLD = """
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


def hold_after_commit():
    print("committed", flush=True)
    time.sleep(120)


def send_never_reached(call):
    raise AssertionError("the test kills this process before the send")


configure(django_runtime())
with transaction.atomic():
    transaction.on_commit(hold_after_commit)
    print(enqueue(ops.notes.write, Context(actor="kim"), {"text": sys.argv[1]}, send_never_reached), flush=True)
"""

# Enqueues in an atomic block and is killed before the block ends: a rollback.
HOLD_IN_TRANSACTION = """
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
    print(enqueue(ops.notes.write, Context(actor="lu"), {"text": sys.argv[1]}, lambda call: None), flush=True)
    print("holding", flush=True)
    time.sleep(120)
"""


class HookFailed(Exception):
    """Raised by an on_commit callback of the application."""


def project_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess of the example project."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]), **extra}


def kill_after(script: str, text: str, signal_line: str) -> str:
    """Run ``script``, SIGKILL it once it prints ``signal_line``; return the execution id it printed first."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, text], cwd=HERE, env=project_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        execution_id = process.stdout.readline().strip()
        assert execution_id, f"the enqueuing process exited with {process.poll()}"
        assert process.stdout.readline().strip() == signal_line
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    return execution_id


class Worker:
    """One ``celery -A django_resend_app worker`` process group, logging to its own file."""

    def __init__(self, folder: Path, pool: str) -> None:
        self.log = folder / f"worker-{uuid.uuid4().hex[:8]}.log"
        self._output = (folder / f"{self.log.stem}.out").open("ab")
        command = [
            sys.executable, "-m", "celery", "-A", "django_resend_app", "worker",
            "--pool", pool, "--concurrency", "1", "--queues", "default",
            "--hostname", f"opsgen-resend-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ]
        self.process = subprocess.Popen(
            command, cwd=HERE, env=project_env(OPSGEN_TEST_WORKER_LOG=str(self.log)),
            stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log_text()}")
            return " ready." in self.log_text()

        wait_for(ready, WORKER_START_TIMEOUT, "the Celery worker to be ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._output.close()


@pytest.fixture(scope="module")
def resend_app(postgres_url: str, celery_settings: dict[str, str]) -> Iterator[Any]:
    """The imported ``django_resend_app``: Django on the test database, and its runtime installed on Celery."""
    import importlib

    os.environ["OPSGEN_TEST_DJANGO_DATABASE"] = postgres_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    module = importlib.import_module("django_resend_app")
    module.runtime.ensure_schema()
    yield module

    from django.db import connections

    from opsgen.runtime.runtime import reset_runtime

    reset_runtime()
    connections.close_all()


@pytest.fixture
def runtime(resend_app: Any) -> Any:
    from opsgen.runtime.runtime import configure

    # Another test module may have configured a runtime of its own since.
    return configure(resend_app.runtime)


@pytest.fixture
def start_worker(resend_app: Any, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start workers of ``django_resend_app``; each is ready when returned and stopped at teardown."""
    started: list[Worker] = []

    def start(pool: str = "solo") -> Worker:
        worker = Worker(tmp_path, pool)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def dead_broker_sender(runtime: Any) -> Iterator[Any]:
    """A Celery sender whose Redis broker is a loopback port without a listener."""
    from celery import Celery

    from opsgen.integrations.celery import CeleryQueue

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = Celery("opsgen_dead_broker", broker=f"redis://127.0.0.1:{port}/0")
    app.conf.update(
        broker_connection_timeout=1,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1},
    )
    queue = CeleryQueue(app, {}, runtime, lease=5, max_takeovers=3, queue_prefix="")
    yield queue.send
    app.close()


def status_of(runtime: Any, execution_id: str) -> str:
    return str(runtime.store.find_execution(execution_id)["status"])


def intent_payload(execution_id: str) -> Any:
    """Return the stored message of an execution's intent, or ``None`` when it has no intent row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT payload FROM opsgen_django_enqueues WHERE execution_id = %s AND NOT committed", [execution_id]
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def enqueue_rows(execution_id: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM opsgen_django_enqueues WHERE execution_id = %s", [execution_id])
        return int(cursor.fetchone()[0])


def notes_with(text: str) -> int:
    from django_project.notesapp.models import Note

    return int(Note.objects.filter(text=text).count())


def unique_text(case: str) -> str:
    return f"{case} {uuid.uuid4().hex[:8]}"


def test_schema_matches_migrations_for_enqueues(runtime: Any, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from opsgen.runtime.migrate import upgrade
    from opsgen.runtime.schema import django_enqueues, metadata

    sqlite_engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    upgrade(sqlite_engine)
    for engine in (runtime.engine, sqlite_engine):
        with engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns(django_enqueues.name)}
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        mentioning = [difference for difference in differences if django_enqueues.name in repr(difference)]
        assert "payload" in columns, engine.dialect.name
        assert mentioning == [], engine.dialect.name
    sqlite_engine.dispose()


def test_killed_after_commit_sent_by_resolution(runtime: Any) -> None:
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, attempts_of, run_queued
    from opsgen.integrations.django import resolve_enqueues

    text = unique_text("killed after commit")
    execution_id = kill_after(COMMIT_THEN_HOLD, text, "committed")

    assert status_of(runtime, execution_id) == "pending"
    stored = intent_payload(execution_id)
    assert stored is not None
    assert stored["execution_id"] == execution_id
    assert stored["operation"] == "notes.write"
    assert stored["input"] == {"text": text}
    assert stored["context"]["actor"] == "kim"

    sent: list[QueuedCall] = []
    assert resolve_enqueues(runtime, send=sent.append) == []
    assert [call.execution_id for call in sent] == [execution_id]
    assert sent[0].input == {"text": text}
    assert enqueue_rows(execution_id) == 0
    assert resolve_enqueues(runtime, send=sent.append) == []
    assert len(sent) == 1

    # The message arrives twice, as it may after a resolution races a late send.
    first = run_queued({"notes.write": ops.notes.write}, runtime, sent[0], lease=30)
    repeat = run_queued({"notes.write": ops.notes.write}, runtime, sent[0], lease=30)
    assert first.result is not None
    assert first.result.ok
    assert repeat.result is None
    assert repeat.note == "finished"
    assert status_of(runtime, execution_id) == "succeeded"
    assert notes_with(text) == 1
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["succeeded"]


def test_resent_call_not_run_while_running(runtime: Any) -> None:
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import Claimed, QueuedCall, claim, run_queued
    from opsgen.integrations.django import resolve_enqueues

    text = unique_text("resent while running")
    execution_id = kill_after(COMMIT_THEN_HOLD, text, "committed")
    sent: list[QueuedCall] = []
    assert resolve_enqueues(runtime, send=sent.append) == []
    assert [call.execution_id for call in sent] == [execution_id]

    # A worker has claimed the first delivery and is still running it.
    assert isinstance(claim(runtime, execution_id, lease=30), Claimed)
    repeat = run_queued({"notes.write": ops.notes.write}, runtime, sent[0], lease=30)

    assert repeat.result is None
    assert repeat.note == "busy"
    assert repeat.retry_in is not None
    assert notes_with(text) == 0
    assert status_of(runtime, execution_id) == "running"


def test_intent_without_payload_removed_with_warning(runtime: Any, caplog: pytest.LogCaptureFixture) -> None:
    from django.db import connection
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, pending_record
    from opsgen.integrations.django import resolve_enqueues
    from opsgen.runtime.context import Context

    # Rows as an enqueue that ran before migration 0004 left them: committed, never sent.
    record = pending_record(ops.notes.write, {"text": unique_text("before 0004")}, Context(actor="oz"), None)
    runtime.store.write(record)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO opsgen_django_enqueues (execution_id, committed, created_at) "
            "VALUES (%s, false, now()), (%s, true, now())", [record.id, record.id],
        )
    caplog.set_level("WARNING", logger="opsgen.integrations.django.enqueue")

    sent: list[QueuedCall] = []
    assert resolve_enqueues(runtime, [record.id], send=sent.append) == []

    assert sent == []
    assert f"execution {record.id} was committed but never sent" in caplog.text
    assert enqueue_rows(record.id) == 0
    assert status_of(runtime, record.id) == "pending"


def test_worker_start_sends_killed_call_once(runtime: Any, resend_app: Any, start_worker: Callable[..., Worker]) -> None:
    from opsgen.integrations.background import QueuedCall, attempts_of

    text = unique_text("sent at worker start")
    execution_id = kill_after(COMMIT_THEN_HOLD, text, "committed")
    stored = intent_payload(execution_id)
    assert stored is not None

    # A prefork worker resolves in its main process, after its pool has forked.
    worker = start_worker("prefork")
    assert "at worker start: 1 sent, 0 cancelled, 0 still unsent" in worker.log_text()
    wait_for(lambda: status_of(runtime, execution_id) == "succeeded", 60, "the worker to run the resent call")
    assert enqueue_rows(execution_id) == 0

    resend_app.integration.send(QueuedCall.from_dict(stored))
    repeat_line = f"execution {execution_id} of notes.write has already ended (succeeded); its message is not run"
    wait_for(lambda: repeat_line in worker.log_text(), 60, "the worker to drop the repeated message")
    assert notes_with(text) == 1
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["succeeded"]


def test_broker_failure_in_on_commit_then_resolution(
    runtime: Any, start_worker: Callable[..., Worker], dead_broker_sender: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import attempts_of, enqueue
    from opsgen.integrations.django import resolve_enqueues
    from opsgen.runtime.context import Context

    start_worker()
    text = unique_text("broker down at commit")
    caplog.set_level("INFO", logger="opsgen.integrations.django.enqueue")

    with transaction.atomic():
        execution_id = enqueue(ops.notes.write, Context(actor="max"), {"text": text}, dead_broker_sender)

    assert status_of(runtime, execution_id) == "pending"
    assert f"sending execution {execution_id} of notes.write after the commit failed" in caplog.text
    assert intent_payload(execution_id) is not None

    # A resolution while the broker is still down keeps the call for the next one.
    assert resolve_enqueues(runtime, send=dead_broker_sender) == []
    assert f"sending committed execution {execution_id} failed" in caplog.text
    assert intent_payload(execution_id) is not None
    assert status_of(runtime, execution_id) == "pending"

    assert resolve_enqueues(runtime) == []
    assert f"sent committed execution {execution_id}" in caplog.text
    assert enqueue_rows(execution_id) == 0
    wait_for(lambda: status_of(runtime, execution_id) == "succeeded", 60, "the worker to run the resent call")
    assert notes_with(text) == 1
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["succeeded"]


def test_skipped_on_commit_send_resolved_by_thread(runtime: Any, start_worker: Callable[..., Worker]) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from django.core.signals import request_finished

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.runtime.context import Context

    def fail_hook() -> None:
        raise HookFailed

    start_worker()
    text = unique_text("send skipped by Django")
    sent: list[QueuedCall] = []
    with pytest.raises(HookFailed):
        with transaction.atomic():
            transaction.on_commit(fail_hook)
            execution_id = enqueue(ops.notes.write, Context(actor="ned"), {"text": text}, sent.append)

    # Django skips the callbacks after one that raised, opsgen's send among them.
    assert sent == []
    request_finished.send(sender=None)
    assert enqueue_rows(execution_id) == 0
    wait_for(lambda: status_of(runtime, execution_id) == "succeeded", 60, "the worker to run the resent call")
    assert notes_with(text) == 1


def test_on_commit_enqueue_sends_once(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import transaction
    from django_project.notesapp.operations import ops

    from opsgen.integrations.background import QueuedCall, enqueue
    from opsgen.runtime.context import Context

    text = unique_text("follow-up from on_commit")
    sent: list[QueuedCall] = []
    resent: list[Any] = []
    # The runtime's sender, which a resolution uses, records instead of sending.
    monkeypatch.setitem(runtime.effect_handlers, "opsgen.enqueue", resent.append)
    with transaction.atomic():
        # The application's own callback runs first and enqueues outside any block, which
        # must not make opsgen send the call below before its own on_commit does.
        transaction.on_commit(lambda: enqueue(ops.notes.write, Context(actor="ada"), {"text": text}, sent.append))
        first = enqueue(ops.notes.write, Context(actor="ada"), {"text": text}, sent.append)
    assert [call.execution_id for call in sent].count(first) == 1
    assert resent == []
    assert enqueue_rows(first) == 0


def test_command_once_sends_and_reports(runtime: Any, start_worker: Callable[..., Worker]) -> None:
    from io import StringIO

    from django.core.management import call_command

    start_worker()
    text = unique_text("sent by the command")
    execution_id = kill_after(COMMIT_THEN_HOLD, text, "committed")

    output = StringIO()
    call_command("opsgen_resolve_enqueues", stdout=output)

    assert output.getvalue().strip() == "sent 1, cancelled 0, still unsent 0"
    assert enqueue_rows(execution_id) == 0
    wait_for(lambda: status_of(runtime, execution_id) == "succeeded", 60, "the worker to run the resent call")
    assert notes_with(text) == 1


def test_command_once_fails_while_broker_down(runtime: Any, dead_broker_sender: Any) -> None:
    from django.core.management import CommandError, call_command

    from opsgen.integrations.background import ENQUEUE_EFFECT, send_effect

    text = unique_text("command with broker down")
    execution_id = kill_after(COMMIT_THEN_HOLD, text, "committed")

    live = runtime.effect_handlers[ENQUEUE_EFFECT]
    runtime.register_effect_handler(ENQUEUE_EFFECT, partial(send_effect, dead_broker_sender))
    try:
        with pytest.raises(CommandError, match="1 committed calls could not be sent") as raised:
            call_command("opsgen_resolve_enqueues", verbosity=0)
    finally:
        runtime.register_effect_handler(ENQUEUE_EFFECT, live)

    assert execution_id in str(raised.value)
    assert intent_payload(execution_id) is not None
    assert status_of(runtime, execution_id) == "pending"
    # Leave nothing for the other tests: the next run sends it on the live broker.
    call_command("opsgen_resolve_enqueues", verbosity=0)
    assert enqueue_rows(execution_id) == 0


def test_command_rejects_runtime_without_sender(runtime: Any) -> None:
    from django.core.management import CommandError, call_command

    from opsgen.integrations.background import ENQUEUE_EFFECT

    live = runtime.effect_handlers.pop(ENQUEUE_EFFECT)
    try:
        with pytest.raises(CommandError, match="no 'opsgen.enqueue' handler"):
            call_command("opsgen_resolve_enqueues")
    finally:
        runtime.register_effect_handler(ENQUEUE_EFFECT, live)


def test_command_rejects_invalid_loop_seconds(runtime: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", "opsgen_resolve_enqueues", "--loop", "0",
         "--app", "django_resend_app:runtime", "--settings", "django_project.settings"],
        cwd=HERE, env=project_env(), capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 2
    assert "--loop: expected a finite number of seconds greater than 0, not '0'" in result.stderr


def test_command_loop_resolves_until_sigterm(runtime: Any, start_worker: Callable[..., Worker], tmp_path: Path) -> None:
    start_worker()
    output_path = tmp_path / "command.out"
    with output_path.open("w") as output:
        command = subprocess.Popen(
            [sys.executable, "-m", "django", "opsgen_resolve_enqueues", "--loop", "0.5", "--verbosity", "2",
             "--app", "django_resend_app:runtime", "--settings", "django_project.settings"],
            cwd=HERE, env=project_env(), stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "sent 0, cancelled 0" in output_path.read_text(), 60, "the command's first pass")

        committed_text = unique_text("sent by the loop")
        committed_id = kill_after(COMMIT_THEN_HOLD, committed_text, "committed")
        rolled_back_id = kill_after(HOLD_IN_TRANSACTION, unique_text("rolled back by a kill"), "holding")

        wait_for(lambda: status_of(runtime, committed_id) == "succeeded", 60, "the loop to send the committed call")
        wait_for(lambda: status_of(runtime, rolled_back_id) == "cancelled", 60, "the loop to cancel the other")
        assert notes_with(committed_text) == 1

        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=15) == 0
    finally:
        if command.poll() is None:
            command.kill()
            command.wait(timeout=10)

    # The two calls may be settled in one pass or in two.
    passes = re.findall(r"^sent (\d+), cancelled (\d+), still unsent (\d+)$", output_path.read_text(), re.MULTILINE)
    assert sum(int(sent) for sent, _, _ in passes) == 1
    assert sum(int(cancelled) for _, cancelled, _ in passes) == 1
    assert all(unsent == "0" for _, _, unsent in passes)
