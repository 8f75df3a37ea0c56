"""Effect handler keys: operation.effect, effect name and kind, and keys that match nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import BaseModel

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import EffectDeclaration, OperationDeclaration, RetryPolicy
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.errors import ConfigurationError, EffectHandlerMissing
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.outbox import drain
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime


class OrderInput(BaseModel):
    sku: str


class OrderOutput(BaseModel):
    sku: str


def order_handle(name: str) -> OperationHandle[OrderInput, OrderOutput]:
    """Return a handle of operation ``name`` that requests its ``warehouse_notice`` effect."""
    declaration = OperationDeclaration(
        name, 1, "", OrderInput, OrderOutput,
        effects=(EffectDeclaration("warehouse_notice", "custom", retry=RetryPolicy(max_attempts=1, backoff=0.0)),),
    )

    class Order(Operation[OrderInput, OrderOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> OrderOutput:
            ctx.effect("warehouse_notice", {"sku": inputs["sku"]})
            return OrderOutput(sku=inputs["sku"])

    Order.declaration = declaration
    return OperationHandle(declaration, Order)


def recorder(received: list[tuple[str, str]], label: str) -> Any:
    return lambda call: received.append((label, str(call.payload["sku"])))


def test_qualified_key_serves_one_operation(runtime: Runtime) -> None:
    place, cancel = order_handle("orders.place_order"), order_handle("orders.cancel_order")
    received: list[tuple[str, str]] = []
    runtime.register_effect_handler("orders.place_order.warehouse_notice", recorder(received, "place"))
    runtime.register_effect_handler("warehouse_notice", recorder(received, "any"))
    runtime.register_effect_handler("custom", recorder(received, "kind"))

    assert place(Context(), sku="a").ok
    assert cancel(Context(), sku="b").ok

    assert received == [("place", "a"), ("any", "b")]


def test_kind_key_serves_when_nothing_narrower(runtime: Runtime) -> None:
    place = order_handle("orders.place_order")
    received: list[tuple[str, str]] = []
    runtime.register_effect_handler("custom", recorder(received, "kind"))

    assert place(Context(), sku="a").ok

    assert received == [("kind", "a")]


def test_missing_handler_names_every_key(runtime: Runtime) -> None:
    place = order_handle("orders.place_order")

    result = place(Context(), sku="a")

    assert isinstance(result, Failure)
    assert "register_effect_handler('orders.place_order.warehouse_notice', fn)" in result.message
    assert "register_effect_handler('warehouse_notice', fn)" in result.message
    assert "register_effect_handler('custom', fn)" in result.message


@pytest.mark.parametrize(
    "key",
    ["orders.warehouse_notice", "Warehouse_Notice", "orders..place_order.warehouse_notice", "a.b.c.d.e.f.g.h", ""],
)
def test_impossible_key_rejected_at_registration(runtime: Runtime, key: str) -> None:
    with pytest.raises(ValueError, match="can never match an effect"):
        runtime.register_effect_handler(key, lambda call: None)
    assert key not in runtime.effect_handlers


def test_two_segment_key_suggests_both_forms(runtime: Runtime) -> None:
    with pytest.raises(ValueError) as raised:
        runtime.register_effect_handler("orders.warehouse_notice", lambda call: None)

    message = str(raised.value)
    assert "'warehouse_notice'" in message
    assert "'orders.<operation>.warehouse_notice'" in message


def test_miscased_key_suggests_its_own_words(runtime: Runtime) -> None:
    with pytest.raises(ValueError) as raised:
        runtime.register_effect_handler("Orders.Place.Notice", lambda call: None)

    message = str(raised.value)
    assert "'orders.place.notice'" in message
    assert "billing" not in message


@pytest.mark.parametrize("key", ["email", "custom", "warehouse_notice", "orders.place_order.warehouse_notice",
                                 "a.b.c.d.e.f.notice", "opsgen.enqueue"])
def test_possible_key_accepted(runtime: Runtime, key: str) -> None:
    runtime.register_effect_handler(key, lambda call: None)

    assert key in runtime.effect_handlers


def test_check_reports_keys_no_spec_declares(runtime: Runtime) -> None:
    registry = {"place": order_handle("orders.place_order")}
    runtime.register_effect_handler("orders.place_order.warehouse_notice", lambda call: None)
    runtime.register_effect_handler("email", lambda call: None)
    runtime.check_effect_handlers(registry)

    runtime.register_effect_handler("orders.place_order.warehouse_notise", lambda call: None)
    runtime.register_effect_handler("orders.ship_order.warehouse_notice", lambda call: None)
    runtime.register_effect_handler("ware_house_notice", lambda call: None)
    with pytest.raises(ConfigurationError) as raised:
        runtime.check_effect_handlers(registry)

    message = str(raised.value)
    assert "operation 'orders.place_order' declares no effect 'warehouse_notise' (declared: warehouse_notice)" in message
    assert "no operation is named 'orders.ship_order'" in message
    assert "no operation declares an effect named 'ware_house_notice'" in message
    assert "'email'" not in message


def test_first_call_warns_about_unmatched_key(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    place = order_handle("orders.place_order")
    runtime.register_effect_handler("orders.place_order.warehouse_notise", lambda call: None)
    runtime.register_effect_handler("warehouse_notice", lambda call: None)

    with caplog.at_level(logging.WARNING, logger="opsgen.runtime.runtime"):
        assert place(Context(), sku="a").ok

    warnings = [record.getMessage() for record in caplog.records if record.name == "opsgen.runtime.runtime"]
    assert len(warnings) == 1
    assert "'orders.place_order.warehouse_notise' matches no effect" in warnings[0]


def test_dispatcher_retries_through_qualified_key(runtime: Runtime) -> None:
    attempts: list[int] = []

    def publish_once_up(call: EffectCall) -> None:
        attempts.append(call.attempt)
        if call.attempt == 1:
            raise ConnectionError("receiver down")

    runtime.register_effect_handler("shop.create_item.publish_item", publish_once_up)
    runtime.register_effect_handler("publish", lambda call: pytest.fail("the kind handler must not run"))

    assert ops.create_item(Context(), name="qualified", durable_to="queue").ok
    report = drain(runtime)

    assert attempts == [1, 2]
    assert report.delivered == 1
    assert report.errors == []


def test_resolve_without_operation_skips_qualified(runtime: Runtime) -> None:
    runtime.register_effect_handler("shop.create_item.publish_item", lambda call: None)

    with pytest.raises(EffectHandlerMissing, match="register_effect_handler\\('publish_item', fn\\)"):
        runtime.resolve_effect_handler("publish_item", "publish")
    assert runtime.resolve_effect_handler("publish_item", "publish", "shop.create_item") is not None


def test_check_reports_declared_effects_without_a_handler(runtime: Runtime) -> None:
    registry = {"place": order_handle("orders.place_order"), "ship": order_handle("orders.ship_order")}
    runtime.register_effect_handler("orders.place_order.warehouse_notice", lambda call: None)

    with pytest.raises(ConfigurationError) as raised:
        runtime.check_effect_handlers(registry)
    runtime.check_effect_handlers(registry, require_handlers=False)
    runtime.register_effect_handler("custom", lambda call: None)
    runtime.check_effect_handlers(registry)

    message = str(raised.value)
    assert "effect 'warehouse_notice' (kind 'custom') of operation 'orders.ship_order' has no handler" in message
    assert "'orders.ship_order.warehouse_notice' or 'warehouse_notice' or 'custom'" in message
    assert "orders.place_order'" not in message
