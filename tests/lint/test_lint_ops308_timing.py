"""OPS308 messages name the majority of coroutines or plain methods the module actually has."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = {rule.code: rule for rule in load_rules()}


def _messages(code: str, source: str, tmp_path: Path) -> list[str]:
    return [f.message for f in lint_example(Example(source), [RULES[code]], tmp_path) if f.code == code]


def _services(first: str, second: str, third: str) -> str:
    return (
        f"class PlaceOrderService:\n    {first}def execute(self, order):\n        return order\n\n"
        f"class CancelOrderService:\n    {second}def execute(self, order):\n        return order\n\n"
        f"class ShipOrderService:\n    {third}def execute(self, order):\n        return order\n"
    )


def test_ops308_coroutine_among_plain_methods(tmp_path: Path) -> None:
    [message] = _messages("OPS308", _services("", "", "async "), tmp_path)
    assert message.startswith("OPS308 ShipOrderService.execute() is a coroutine that callers must await")
    assert "while most of the module's services are plain methods" in message


def test_ops308_plain_method_among_coroutines(tmp_path: Path) -> None:
    [message] = _messages("OPS308", _services("async ", "async ", ""), tmp_path)
    assert message.startswith("OPS308 ShipOrderService.execute() is a plain method that callers must not await")
    assert "while most of the module's services are coroutines" in message
