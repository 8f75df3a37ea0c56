"""The kombu consumer on real RabbitMQ and Redis brokers: stable message ids and string context headers.

A consumer killed after its call committed, before it acknowledged the message, makes
the broker deliver that message again. A message with a stable id must then not run a
second time. Publishers that cannot send a table header send the context as JSON text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_consumer_killed_before_ack import TRANSPORT_OPTIONS
from integration_ops import app_metadata, notes, ops
from integration_support import HERE
from kombu import Connection
from sqlalchemy import func, select

from opsgen.integrations.consumer import (
    CONTEXT_HEADER,
    EXECUTION_HEADER,
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


@pytest.fixture
def queue_name(broker_url: str) -> Iterator[str]:
    """A fresh queue name; its queues and exchanges are deleted after the test."""
    name = f"opsgen-test-redelivery-{uuid.uuid4().hex[:12]}"
    yield name
    with Connection(broker_url) as connection:
        queues = operation_queues(name, native_dead_lettering=connection.transport.driver_type == "amqp")
        channel = connection.default_channel
        for queue in (queues.work, queues.dead_letter):
            bound = queue(channel)
            bound.declare()
            bound.delete()
        for exchange in (queues.work.exchange, queues.dead_letter.exchange):
            exchange(channel).delete()


def publish_raw(connection: Connection, queue: str, body: dict[str, Any], headers: dict[str, Any],
                **properties: Any) -> None:
    queues = operation_queues(queue, native_dead_lettering=connection.transport.driver_type == "amqp")
    with connection.Producer() as producer:
        producer.publish(json.dumps(body), exchange=queues.work.exchange, routing_key=queue,
                         content_type="application/json", content_encoding="utf-8", headers=headers,
                         declare=[queues.work, queues.dead_letter], **properties)


def note_count(runtime: Runtime, text: str) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(notes).where(notes.c.text == text)).scalar_one())


def records_of(runtime: Runtime, text: str) -> list[dict[str, Any]]:
    rows = runtime.store.list_executions(operation="demo.record_note", limit=100)
    return [row for row in rows if isinstance(row["input"], dict) and row["input"].get("text") == text]


def consume(broker_url: str, queue: str, runtime: Runtime, count: int) -> OperationConsumer:
    with Connection(broker_url, transport_options=TRANSPORT_OPTIONS) as connection:
        consumer = OperationConsumer(connection, queue, ops, runtime=runtime)
        consumer.run(limit=count, idle_timeout=20)
    return consumer


def test_consumer_killed_before_ack_does_not_rerun(broker_url: str, runtime: Runtime, queue_name: str,
                                                   database_url: str) -> None:
    text = f"once-{uuid.uuid4().hex[:8]}"
    with Connection(broker_url) as connection:
        message_id = publish_call(connection, queue_name, "demo.record_note", {"text": text}, Context(actor="uma"))

    killed = subprocess.run(
        [sys.executable, str(HERE / "integration_consumer_killed_before_ack.py"), broker_url, queue_name, database_url],
        cwd=HERE, capture_output=True, text=True, timeout=60,
    )
    assert killed.returncode == -9, killed.stderr
    assert note_count(runtime, text) == 1

    consumer = consume(broker_url, queue_name, runtime, 1)

    assert consumer.handled == 1
    assert consumer.dead_lettered == 0
    assert note_count(runtime, text) == 1
    records = records_of(runtime, text)
    assert [row["status"] for row in records] == ["succeeded"]
    assert records[0]["id"] == consumer.execution_id_for_stable_id(message_id, "demo.record_note")
    assert records[0]["actor"] == "uma"


def test_consumer_runs_repeated_message_id_once(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    text = f"order-{uuid.uuid4().hex[:8]}"
    with Connection(broker_url) as connection:
        for _ in range(2):
            publish_call(connection, queue_name, "demo.record_note", {"text": text}, Context(actor="uma"),
                         message_id=f"order-42-{text}")

    consumer = consume(broker_url, queue_name, runtime, 2)

    assert consumer.handled == 2
    assert note_count(runtime, text) == 1
    assert len(records_of(runtime, text)) == 1


def test_consumer_execution_id_header_is_stable_id(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    text = f"header-{uuid.uuid4().hex[:8]}"
    headers = {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: Context(actor="uma").to_dict(),
               EXECUTION_HEADER: f"publisher-{text}"}
    with Connection(broker_url) as connection:
        for _ in range(2):
            publish_raw(connection, queue_name, {"text": text}, headers)

    consume(broker_url, queue_name, runtime, 2)

    assert note_count(runtime, text) == 1
    assert len(records_of(runtime, text)) == 1


def test_consumer_without_stable_id_runs_each_delivery(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    text = f"no-id-{uuid.uuid4().hex[:8]}"
    headers = {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: Context(actor="uma").to_dict()}
    with Connection(broker_url) as connection:
        for _ in range(2):
            publish_raw(connection, queue_name, {"text": text}, headers)

    consume(broker_url, queue_name, runtime, 2)

    assert note_count(runtime, text) == 2
    assert len(records_of(runtime, text)) == 2


def test_stable_id_namespaced_by_queue_and_operation(runtime: Runtime) -> None:
    with Connection("memory://") as connection:
        first = OperationConsumer(connection, "queue-a", ops, runtime=runtime)
        second = OperationConsumer(connection, "queue-b", ops, runtime=runtime)

        on_first = first.execution_id_for_stable_id("m-1", "demo.record_note")
        on_second = second.execution_id_for_stable_id("m-1", "demo.record_note")
        other_operation = first.execution_id_for_stable_id("m-1", "demo.flaky")
        again = first.execution_id_for_stable_id("m-1", "demo.record_note")

    assert on_first == again
    assert str(uuid.UUID(on_first)) == on_first
    assert on_first != on_second
    assert on_first != other_operation


@pytest.mark.parametrize("encoded", ["str", "bytes"])
def test_consumer_accepts_json_text_context_header(broker_url: str, runtime: Runtime, queue_name: str,
                                                   encoded: str) -> None:
    text = f"json-header-{uuid.uuid4().hex[:8]}"
    header_text = json.dumps(Context(actor="vic", request_id="req-json", extra={"tenant": "7"}).to_dict())
    header: str | bytes = header_text if encoded == "str" else header_text.encode()
    with Connection(broker_url) as connection:
        publish_raw(connection, queue_name, {"text": text}, {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: header})

    consumer = consume(broker_url, queue_name, runtime, 1)

    assert consumer.dead_lettered == 0
    [record] = records_of(runtime, text)
    assert record["status"] == "succeeded"
    assert (record["actor"], record["request_id"]) == ("vic", "req-json")
    assert record["context_extra"] == {"tenant": "7"}


def test_consumer_rejects_json_text_header_of_list(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    text = f"json-list-{uuid.uuid4().hex[:8]}"
    with Connection(broker_url) as connection:
        publish_raw(connection, queue_name, {"text": text},
                    {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: '["actor", "vic"]'})

    consumer = consume(broker_url, queue_name, runtime, 1)

    assert consumer.dead_lettered == 1
    assert note_count(runtime, text) == 0
    [failed] = runtime.store.list_executions(status=["failed"], limit=1)
    assert failed["error_code"] == "malformed_message"
    assert "whose JSON is list ['actor', 'vic']" in failed["error_message"]



def test_rejected_message_with_stable_id_recorded_once(broker_url: str, runtime: Runtime, queue_name: str) -> None:
    operation = f"demo.unknown_{uuid.uuid4().hex[:8]}"
    headers = {OPERATION_HEADER: operation, CONTEXT_HEADER: Context(actor="uma").to_dict()}
    with Connection(broker_url) as connection:
        for _ in range(2):
            publish_raw(connection, queue_name, {"text": "never run"}, headers, message_id=f"bad-{operation}")

    consumer = consume(broker_url, queue_name, runtime, 2)

    assert consumer.dead_lettered == 2
    records = runtime.store.list_executions(operation=operation, limit=10)
    assert [(row["status"], row["error_code"]) for row in records] == [("failed", "unknown_operation")]
    assert records[0]["id"] == consumer.execution_id_for_stable_id(f"bad-{operation}", operation)


def test_redelivered_invalid_input_goes_to_dead_letter_again(broker_url: str, runtime: Runtime,
                                                             queue_name: str) -> None:
    text = f"bad-input-{uuid.uuid4().hex[:8]}"
    headers = {OPERATION_HEADER: "demo.record_note", CONTEXT_HEADER: Context(actor="uma").to_dict()}
    with Connection(broker_url) as connection:
        # The second copy stands for the broker's redelivery after a consumer died between
        # recording the failure and dead-lettering the message.
        for _ in range(2):
            publish_raw(connection, queue_name, {"text": text, "extra": 1}, headers, message_id=f"id-{text}")

    consumer = consume(broker_url, queue_name, runtime, 2)

    assert consumer.dead_lettered == 2
    assert note_count(runtime, text) == 0
    execution_id = consumer.execution_id_for_stable_id(f"id-{text}", "demo.record_note")
    record: Any = runtime.store.find_execution(execution_id)
    assert (record["status"], record["error_code"]) == ("failed", "invalid_input")
