"""The kombu consumer with a generated handle, on real RabbitMQ and Redis brokers.

A generated handle has a keyword-only signature, so these messages check that input
keys, context headers and content types a publisher got wrong become recorded
failures and dead letters, and that the consumer keeps consuming after them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from generated_orders import generate_orders
from integration_support import wait_for
from kombu import Connection

from opsgen.integrations.consumer import (
    CONTEXT_HEADER,
    OPERATION_HEADER,
    OperationConsumer,
    operation_queues,
    publish_call,
)
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

pytestmark = pytest.mark.timeout(120)

VALID_ORDER = {"sku": "A-1", "quantity": 2, "customer": "c-9"}


@pytest.fixture(scope="module")
def orders_ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with generate_orders(tmp_path_factory.mktemp("orders")) as ops:
        yield ops


@pytest.fixture(params=["rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    created.ensure_schema()
    yield created
    created.dispose()


@pytest.fixture
def queue_name(broker_url: str) -> Iterator[str]:
    """A fresh queue name; its queues and exchanges are deleted after the test, whether it passed or not."""
    name = f"opsgen-test-raw-{uuid.uuid4().hex[:12]}"
    yield name
    with Connection(broker_url) as connection:
        queues = operation_queues(name, native_dead_lettering=connection.transport.driver_type == "amqp")
        channel = connection.default_channel
        for queue in (queues.work, queues.dead_letter):
            # kombu's Redis transport removes only the bindings this connection declared.
            bound = queue(channel)
            bound.declare()
            bound.delete()
        for exchange in (queues.work.exchange, queues.dead_letter.exchange):
            exchange(channel).delete()


def publish_body(connection: Connection, queue: str, body: str, headers: dict[str, Any],
                 content_type: str = "application/json") -> None:
    queues = operation_queues(queue, native_dead_lettering=connection.transport.driver_type == "amqp")
    with connection.Producer() as producer:
        producer.publish(body, exchange=queues.work.exchange, routing_key=queue, content_type=content_type,
                         content_encoding="utf-8", headers=headers, declare=[queues.work, queues.dead_letter])


def dead_letter_bodies(connection: Connection, queue: str, expected: int) -> list[str]:
    native = connection.transport.driver_type == "amqp"
    dead_queue = operation_queues(queue, native_dead_lettering=native).dead_letter(connection.default_channel)
    bodies: list[str] = []

    def collect() -> bool:
        message = dead_queue.get(no_ack=True, accept=["json", "text/plain", "application/data"])
        if message is not None:
            body = message.body
            bodies.append(body.decode() if isinstance(body, bytes) else body)
        return len(bodies) >= expected

    wait_for(collect, 20, f"{expected} dead-lettered messages", interval=0.05)
    return bodies


def consume(connection: Connection, queue: str, ops: Any, runtime: Runtime, count: int,
            dead_count: int) -> tuple[OperationConsumer, int, list[str]]:
    """Consume ``count`` messages, then return the consumer, its count and ``dead_count`` dead-lettered bodies."""
    consumer = OperationConsumer(connection, queue, ops, runtime=runtime)
    handled = consumer.run(limit=count, idle_timeout=15)
    dead = dead_letter_bodies(connection, queue, dead_count)
    return consumer, handled, dead


def failures_by_message(runtime: Runtime) -> dict[str, dict[str, Any]]:
    return {row["error_message"]: row for row in runtime.store.list_executions(status=["failed"], limit=20)}


def test_consumer_missing_extra_keys_dead_lettered(
    broker_url: str, runtime: Runtime, queue_name: str, orders_ops: Any
) -> None:
    ctx = Context(actor="ann", request_id="req-raw-1")
    with Connection(broker_url) as connection:
        publish_call(connection, queue_name, "orders.create_order", {"sku": "A-1"}, ctx)
        publish_call(connection, queue_name, "orders.create_order",
                     {"sku": "A-1", "quantity": 2, "customer": "c-9", "colour": "red"}, ctx)
        publish_call(connection, queue_name, "orders.create_order", VALID_ORDER, ctx)

        consumer, handled, dead = consume(connection, queue_name, orders_ops, runtime, 3, 2)

    assert handled == 3
    assert consumer.dead_lettered == 2
    assert sorted(dead) == sorted(['{"sku": "A-1"}', '{"sku": "A-1", "quantity": 2, "customer": "c-9", "colour": "red"}'])
    records = runtime.store.list_executions(limit=10)
    assert [row["status"] for row in records].count("succeeded") == 1
    failed = [row for row in records if row["status"] == "failed"]
    assert [row["error_code"] for row in failed] == ["invalid_input", "invalid_input"]
    assert all(row["operation"] == "orders.create_order" for row in failed)
    assert all((row["actor"], row["request_id"]) == ("ann", "req-raw-1") for row in failed)
    messages = sorted(row["error_message"] for row in failed)
    assert "colour: Extra inputs are not permitted" in messages[0]
    assert "quantity: Field required" in messages[1]
    assert "customer: Field required" in messages[1]


def test_consumer_non_object_body_invalid_input(
    broker_url: str, runtime: Runtime, queue_name: str, orders_ops: Any
) -> None:
    bodies = ['["A-1", 2, "c-9"]', '"A-1"', "7", "null"]
    headers = {OPERATION_HEADER: "orders.create_order",
               CONTEXT_HEADER: Context(actor="ann", request_id="req-raw-2").to_dict()}
    with Connection(broker_url) as connection:
        for body in bodies:
            publish_body(connection, queue_name, body, headers)
        publish_call(connection, queue_name, "orders.create_order", VALID_ORDER, Context(actor="ann"))

        consumer, handled, dead = consume(connection, queue_name, orders_ops, runtime, 5, 4)

    assert handled == 5
    assert consumer.dead_lettered == 4
    assert sorted(dead) == sorted(bodies)
    failed = runtime.store.list_executions(status=["failed"], limit=10)
    assert sorted(json.dumps(row["input"]) for row in failed) == sorted(bodies)
    for row in failed:
        assert row["error_code"] == "invalid_input"
        assert row["operation"] == "orders.create_order"
        assert (row["actor"], row["request_id"]) == ("ann", "req-raw-2")
        assert row["error_message"] == (
            "invalid input for orders.create_order: the input must be an object (a mapping) with the fields "
            f"sku, quantity, customer, not {type(row['input']).__name__}"
        )
    assert runtime.store.list_executions(status=["succeeded"])[0]["actor"] == "ann"


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("{broken", "str '{broken'"),
        (["actor", "ann"], "list ['actor', 'ann']"),
        ({"actor": "ann", "extra": "tenant=7"}, "its 'extra' key must be a JSON object"),
    ],
)
def test_consumer_context_header_not_object(
    broker_url: str, runtime: Runtime, queue_name: str, orders_ops: Any, header: Any, shown: str
) -> None:
    body = '{"sku": "A-1", "quantity": 2, "customer": "c-9"}'
    with Connection(broker_url) as connection:
        publish_body(connection, queue_name, body, {OPERATION_HEADER: "orders.create_order", CONTEXT_HEADER: header})
        publish_call(connection, queue_name, "orders.create_order", VALID_ORDER, Context(actor="ann"))

        consumer, handled, dead = consume(connection, queue_name, orders_ops, runtime, 2, 1)

    assert handled == 2
    assert consumer.dead_lettered == 1
    assert dead == [body]
    [(message, row)] = failures_by_message(runtime).items()
    assert row["error_code"] == "malformed_message"
    assert message.startswith(f"invalid {CONTEXT_HEADER} header: ")
    assert "must be a JSON object" in message
    assert shown in message
    assert "unknown context keys" not in message
    assert runtime.store.list_executions(status=["succeeded"])[0]["actor"] == "ann"


@pytest.mark.parametrize("content_type", ["text/plain", "application/data"])
def test_consumer_content_type_not_accepted(
    broker_url: str, runtime: Runtime, queue_name: str, orders_ops: Any, content_type: str
) -> None:
    body = '{"sku": "A-1", "quantity": 2, "customer": "c-9"}'
    headers = {OPERATION_HEADER: "orders.create_order", CONTEXT_HEADER: Context(actor="ann").to_dict()}
    with Connection(broker_url) as connection:
        publish_body(connection, queue_name, body, headers, content_type=content_type)
        publish_call(connection, queue_name, "orders.create_order", VALID_ORDER, Context(actor="ann"))

        consumer, handled, dead = consume(connection, queue_name, orders_ops, runtime, 2, 1)

    assert handled == 2
    assert consumer.dead_lettered == 1
    assert dead == [body]
    [(message, row)] = failures_by_message(runtime).items()
    assert row["error_code"] == "malformed_message"
    assert row["operation"] == "orders.create_order"
    assert f"content type {content_type!r} is not accepted" in message
    assert "accepts only application/json" in message
    assert "not valid JSON" not in message
    assert runtime.store.list_executions(status=["succeeded"])[0]["actor"] == "ann"
