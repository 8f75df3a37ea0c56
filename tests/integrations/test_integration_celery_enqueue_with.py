"""``handle.enqueue_with(ctx, mapping)`` on real Celery workers, a Redis broker and a PostgreSQL log.

A generated handle's ``enqueue`` has a keyword-only signature, so a decoded body with
a missing or extra key cannot be spread into it. ``enqueue_with`` takes the mapping as
it is: valid input is recorded and sent like ``enqueue``'s, and invalid input raises
``ValidationError`` naming the field before anything is recorded or sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest
from generated_orders import generate_orders
from integration_ops import notes, ops
from integration_support import wait_for
from pydantic import ValidationError
from sqlalchemy import func, select

from opsgen.integrations.background import QueuedCall
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import get_runtime

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def orders_ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with generate_orders(tmp_path_factory.mktemp("orders")) as generated:
        yield generated


@pytest.fixture
def sent(celery_app: Any, monkeypatch: pytest.MonkeyPatch) -> list[QueuedCall]:
    """The calls the Celery integration sends during the test; each still goes to the broker."""
    integration = celery_app.integration
    calls: list[QueuedCall] = []
    send = integration.send

    def record_and_send(call: QueuedCall) -> None:
        calls.append(call)
        send(call)

    monkeypatch.setattr(integration, "send", record_and_send)
    return calls


def records_of(actor: str) -> list[dict[str, Any]]:
    return [row for row in get_runtime().store.list_executions(limit=200) if row["actor"] == actor]


def count_notes(text: str) -> int:
    with get_runtime().engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(notes).where(notes.c.text == text)).scalar_one())


def test_enqueue_with_runs_on_worker(start_worker: Callable[..., Any], sent: list[QueuedCall]) -> None:
    start_worker()

    execution_id = ops.demo.record_note.enqueue_with(Context(actor="ivy", request_id="req-ew"), {"text": "from a mapping"})

    assert isinstance(execution_id, str)
    assert [call.execution_id for call in sent] == [execution_id]

    def finished() -> dict[str, Any] | None:
        row = get_runtime().store.find_execution(execution_id)
        return row if row is not None and row["status"] not in ("pending", "running") else None

    row = wait_for(finished, 30, f"execution {execution_id} to finish")
    assert row["status"] == "succeeded"
    assert (row["actor"], row["request_id"]) == ("ivy", "req-ew")
    assert row["input"] == {"text": "from a mapping", "hold": None}
    assert count_notes("from a mapping") == 1


def test_enqueue_with_generated_handle_records_pending(orders_ops: Any, sent: list[QueuedCall]) -> None:
    body = {"sku": "A-1", "quantity": 2, "customer": "c-9"}

    execution_id = orders_ops.orders.create_order.enqueue_with(Context(actor="ew-valid"), body)

    [row] = records_of("ew-valid")
    assert row["id"] == execution_id
    assert row["status"] == "pending"
    assert row["operation"] == "orders.create_order"
    assert row["input"] == body
    assert [(call.operation, call.execution_id, call.input) for call in sent] == [
        ("orders.create_order", execution_id, body)
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"sku": "A-1"}, [(("quantity",), "missing"), (("customer",), "missing")]),
        ({"sku": "A-1", "quantity": 2, "customer": "c-9", "colour": "red"}, [(("colour",), "extra_forbidden")]),
        ({"sku": "A-1", "quantity": "two", "customer": "c-9"}, [(("quantity",), "int_parsing")]),
    ],
    ids=["missing", "extra", "mistyped"],
)
def test_enqueue_with_invalid_mapping_raises(
    orders_ops: Any, sent: list[QueuedCall], body: dict[str, Any], errors: list[tuple[tuple[str, ...], str]]
) -> None:
    with pytest.raises(ValidationError) as raised:
        orders_ops.orders.create_order.enqueue_with(Context(actor="ew-invalid"), body)

    assert [(error["loc"], error["type"]) for error in raised.value.errors()] == errors
    for location, _ in errors:
        assert location[0] in str(raised.value)
    assert sent == []
    assert records_of("ew-invalid") == []


@pytest.mark.parametrize("value", [["A-1", 2, "c-9"], "A-1", 7, None], ids=["list", "str", "int", "none"])
def test_enqueue_with_non_mapping_raises(orders_ops: Any, sent: list[QueuedCall], value: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        orders_ops.orders.create_order.enqueue_with(Context(actor="ew-non-object"), value)

    [error] = raised.value.errors(include_url=False)
    assert error["type"] == "model_type"
    assert error["loc"] == ()
    assert error["msg"] == (
        f"the input must be an object (a mapping) with the fields sku, quantity, customer, not {type(value).__name__}"
    )
    assert raised.value.title == "CreateOrderInput"
    assert sent == []
    assert records_of("ew-non-object") == []
