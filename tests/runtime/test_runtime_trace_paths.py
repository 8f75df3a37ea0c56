"""Traced call arguments are redacted at the operation's sensitive paths, as records are.

An argument counts as the field it is named after, so ``input.card.cvc`` hides the
``cvc`` inside an argument named ``card``. An unrelated argument that only shares the
last key of a sensitive path (an order's ``number`` beside ``input.card.number``)
stays visible.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import EffectDeclaration, OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.redaction import redact
from opsgen.runtime.runtime import Runtime, configure, reset_runtime
from opsgen.runtime.tracing import argument_paths
from runtime_fixture_ops import make_runtime

CARD_NUMBER = "4111111111111111"

PAYMENTS_SOURCE = """\
def charge(card, amount):
    return amount


def find_order(number):
    return number


def notify(phone, text):
    return text
"""


class Card(BaseModel):
    number: str
    cvc: str
    holder: str


class Order(BaseModel):
    number: str


class CheckoutInput(BaseModel):
    card: Card
    order: Order
    amount: int


class CheckoutOutput(BaseModel):
    paid: bool


CHECKOUT = OperationDeclaration(
    name="shop.checkout",
    version=1,
    description="Charge a card for an order.",
    input_model=CheckoutInput,
    output_model=CheckoutOutput,
    effects=(EffectDeclaration(name="notify", kind="custom"),),
    sensitive_paths=frozenset({"input.card.number", "input.card.cvc", "side_effects.notify.payload.phone"}),
)


@pytest.fixture
def payments(tmp_path: Path) -> Iterator[ModuleType]:
    """A module ``pathtraced.payments`` on ``sys.path`` for this test only."""
    package = tmp_path / "pathtraced"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "payments.py").write_text(PAYMENTS_SOURCE, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        import pathtraced.payments as module

        yield module
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("pathtraced.payments", "pathtraced"):
            sys.modules.pop(name, None)


@pytest.fixture
def traced_runtime(database_url: str) -> Iterator[Runtime]:
    traced = make_runtime(database_url, trace_modules=("pathtraced",))
    configure(traced)
    yield traced
    reset_runtime()
    traced.dispose()


def test_traced_arguments_redacted_by_path(
    traced_runtime: Runtime, payments: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    class Checkout(Operation[CheckoutInput, CheckoutOutput]):
        declaration = CHECKOUT

        def run(self, ctx: ExecutionContext, *, card: Card, order: Order, amount: int) -> CheckoutOutput:  # type: ignore[override]
            payments.charge(card.model_dump(), amount)
            payments.charge(card, amount)
            payments.find_order(order.number)
            payments.find_order(card.number)
            payments.notify("+1-555-0100", "paid")
            return CheckoutOutput(paid=True)

    checkout = OperationHandle(CHECKOUT, Checkout)
    body = {"card": {"number": CARD_NUMBER, "cvc": "123", "holder": "Ada"}, "order": {"number": "A-1001"}, "amount": 5}

    with caplog.at_level(logging.INFO, logger="opsgen.trace"):
        result = checkout.call_with(Context(actor="ada"), body)

    assert result.ok
    lines = [record.getMessage() for record in caplog.records if record.name == "opsgen.trace"]
    assert lines[0] == "call pathtraced.payments.charge(card={'number': '***', 'cvc': '***', 'holder': 'Ada'}, amount=5)"
    assert lines[1] == "call pathtraced.payments.charge(card=Card(number='***', cvc='***', holder='Ada'), amount=5)"
    assert lines[2] == "call pathtraced.payments.find_order(number='A-1001')"
    # The card number under an unrelated name is still scrubbed as a known sensitive value.
    assert lines[3] == "call pathtraced.payments.find_order(number='***')"
    assert lines[4] == "call pathtraced.payments.notify(phone=***, text='paid')"
    assert len(lines) == 5
    assert CARD_NUMBER not in caplog.text
    assert "+1-555-0100" not in caplog.text


@pytest.mark.parametrize(
    ("paths", "arguments", "expected"),
    [
        ({"errors.declined.details.card_number"}, {"card_number": "4111", "number": "A-1"},
         {"card_number": "***", "number": "A-1"}),
        ({"output.token"}, {"token": "t-1", "user": {"token": "kept"}}, {"token": "***", "user": {"token": "kept"}}),
        ({"input.cards.*.number"}, {"cards": [{"number": "1"}, {"number": "2"}], "number": "3"},
         {"cards": [{"number": "***"}, {"number": "***"}], "number": "3"}),
        ({"side_effects.notify.payload"}, {"phone": "p", "text": "t"}, {"phone": "***", "text": "***"}),
        ({"audit.entry.secret"}, {"secret": "s", "nested": {"secret": "s"}}, {"secret": "***", "nested": {"secret": "***"}}),
    ],
    ids=["error-details", "output", "list-items", "whole-payload", "unknown-section"],
)
def test_argument_paths_per_section(paths: set[str], arguments: dict[str, Any], expected: dict[str, Any]) -> None:
    declaration = OperationDeclaration(
        name="shop.sections", version=1, description="Sections.", input_model=CheckoutInput,
        output_model=CheckoutOutput, sensitive_paths=frozenset(paths),
    )

    assert redact(arguments, argument_paths(declaration)) == expected
