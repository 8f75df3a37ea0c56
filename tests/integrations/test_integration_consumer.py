"""The kombu consumer on real RabbitMQ and Redis brokers: calls, dead letters, recorded failures."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_support import HERE, wait_for
from integration_ops import app_metadata, notes, ops
from kombu import Connection
from sqlalchemy import func, select

from opsgen.integrations.consumer import (
    CONTEXT_HEADER,
    ERROR_HEADER,
    OPERATION_HEADER,
    OperationConsumer,
    operation_queues,
    publish_call,
)
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    made = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    made.ensure_schema()
    app_metadata.create_all(made.engine)
    yield made
    made.dispose()


@pytest.fixture
def queue_name() -> str:
    return f"opsgen-test-{uuid.uuid4().hex[:12]}"


def publish_raw(connection: Connection, queue: str, body: str, headers: dict[str, Any]) -> None:
    native = connection.transport.driver_type == "amqp"
    queues = operation_queues(queue, native_dead_lettering=native)
    with connection.Producer() as producer:
        producer.publish(body, exchange=queues.work.exchange, routing_key=queue, content_type="application/json",
                         content_encoding="utf-8", headers=headers, declare=[queues.work, queues.dead_letter])


def dead_letters(connection: Connection, queue: str, expected: int) -> list[Any]:
    native = connection.transport.driver_type == "amqp"
    dead_queue = operation_queues(queue, native_dead_lettering=native).dead_letter(connection.default_channel)
    received: list[Any] = []

    def collect() -> bool:
        message = dead_queue.get(no_ack=True, accept=["json"])
        if message is not None:
            received.append(message)
        return len(received) >= expected

    wait_for(collect, 20, f"{expected} dead-lettered messages", interval=0.05)
    return received


def failed_records(runtime: Runtime) -> dict[str, dict[str, Any]]:
    return {row["error_code"]: row for row in runtime.store.list_executions(status=["failed"])}


def count_notes(runtime: Runtime, text: str) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(notes).where(notes.c.text == text)).scalar_one())


def test_message_runs_operation_with_header_context(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    with Connection(broker_url) as connection:
        publish_call(connection, queue_name, "demo.record_note", {"text": "by message"},
                     Context(actor="ivy", request_id="req-m1"))
        consumer = OperationConsumer(connection, queue_name, ops, runtime=runtime)

        handled = consumer.run(limit=1, idle_timeout=15)

    assert handled == 1
    assert consumer.dead_lettered == 0
    record = runtime.store.list_executions(limit=1)[0]
    assert record["operation"] == "demo.record_note"
    assert record["status"] == "succeeded"
    assert (record["actor"], record["request_id"]) == ("ivy", "req-m1")
    assert count_notes(runtime, "by message") == 1


def test_malformed_messages_are_dead_lettered_and_recorded(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    context = Context(actor="jo").to_dict()
    with Connection(broker_url) as connection:
        publish_raw(connection, queue_name, "{not json", {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: context})
        publish_raw(connection, queue_name, '{"text": "x"}', {OPERATION_HEADER: "demo.no_such", CONTEXT_HEADER: context})
        publish_raw(connection, queue_name, '{"text": 5}', {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: context})
        publish_raw(connection, queue_name, '{"text": "y"}', {CONTEXT_HEADER: context})
        publish_call(connection, queue_name, "demo.record_note", {"text": "after the bad ones"}, Context(actor="jo"))
        consumer = OperationConsumer(connection, queue_name, ops, runtime=runtime)

        handled = consumer.run(limit=5, idle_timeout=15)
        dead = dead_letters(connection, queue_name, 4)

    assert handled == 5
    assert consumer.dead_lettered == 4
    assert count_notes(runtime, "after the bad ones") == 1
    assert sorted(_text(message.body) for message in dead) == sorted(
        ["{not json", '{"text": "x"}', '{"text": 5}', '{"text": "y"}']
    )
    if connection.transport.driver_type != "amqp":
        assert all(ERROR_HEADER in message.headers for message in dead)

    failures = failed_records(runtime)
    assert set(failures) == {"malformed_message", "unknown_operation", "invalid_input"}
    assert failures["unknown_operation"]["operation"] == "demo.no_such"
    assert failures["unknown_operation"]["actor"] == "jo"
    assert failures["invalid_input"]["operation"] == "demo.record_note"
    malformed = [row["error_message"] for row in runtime.store.list_executions(status=["failed"], limit=10)
                 if row["error_code"] == "malformed_message"]
    assert len(malformed) == 2
    assert any("not valid JSON" in message for message in malformed)
    assert any("no opsgen-operation header" in message for message in malformed)


def test_worker_command_consumes_queue(rabbitmq_url: str, sqlite_url: str, queue_name: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    with Connection(rabbitmq_url) as connection:
        publish_call(connection, queue_name, "demo.record_note", {"text": "via the command"}, Context(actor="kim"))

    env = {**os.environ, "PYTHONPATH": str(HERE), "OPSGEN_DATABASE_URL": sqlite_url, "OPSGEN_APP": ""}
    completed = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "worker", "--broker", rabbitmq_url, "--queue", queue_name,
         "--registry", "integration_ops:ops", "--limit", "1", "--idle-timeout", "20"],
        env=env, cwd=HERE, capture_output=True, text=True, timeout=60,
    )

    assert completed.returncode == 0, completed.stderr
    record = runtime.store.list_executions(limit=1)[0]
    assert (record["operation"], record["status"], record["actor"]) == ("demo.record_note", "succeeded", "kim")
    runtime.dispose()


def _text(body: str | bytes) -> str:
    return body.decode() if isinstance(body, bytes) else body


def ops_list_outside_project(runtime: Runtime, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    environment["OPSGEN_DATABASE_URL"] = runtime.engine.url.render_as_string(hide_password=False)
    return subprocess.run([sys.executable, "-m", "opsgen.cli.main", "ops", "list", *args], cwd=folder,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_rejected_name_not_suggested(rabbitmq_url: str, runtime: Runtime, queue_name: str, tmp_path: Path) -> None:
    with Connection(rabbitmq_url) as connection:
        publish_call(connection, queue_name, "demo.record_note", {"text": "kept"}, Context(actor="ann"))
        publish_raw(connection, queue_name, '{"text": "x"}', {OPERATION_HEADER: "demo.recrod_notes"})
        consumer = OperationConsumer(connection, queue_name, ops, runtime=runtime)
        assert consumer.run(limit=2, idle_timeout=15) == 2

    listed = ops_list_outside_project(runtime, tmp_path, "--operation", "demo.recrod_note")

    assert listed.returncode == 1
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'demo.recrod_note'; did you mean 'demo.record_note'?\n"
    )


def test_only_rejected_names_give_no_suggestion(
    rabbitmq_url: str, runtime: Runtime, queue_name: str, tmp_path: Path
) -> None:
    with Connection(rabbitmq_url) as connection:
        publish_raw(connection, queue_name, '{"text": "x"}', {OPERATION_HEADER: "demo.recrod_notes"})
        consumer = OperationConsumer(connection, queue_name, ops, runtime=runtime)
        assert consumer.run(limit=1, idle_timeout=15) == 1

    listed = ops_list_outside_project(runtime, tmp_path, "--operation", "demo.recrod_note")

    assert listed.returncode == 1
    assert "did you mean" not in listed.stderr
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'demo.recrod_note'; "
        "it has executions of demo.recrod_notes\n"
    )
