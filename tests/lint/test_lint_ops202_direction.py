"""OPS202 messages name a decrement as decremented and suggest ``- n`` for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = {rule.code: rule for rule in load_rules()}


def _messages(code: str, source: str, tmp_path: Path) -> list[str]:
    return [f.message for f in lint_example(Example(source), [RULES[code]], tmp_path) if f.code == code]


@pytest.mark.parametrize(
    "change",
    ["stock.on_hand -= quantity", "stock.on_hand = stock.on_hand - quantity"],
)
def test_ops202_decrement_message(change: str, tmp_path: Path) -> None:
    source = f"def reserve(sku, quantity):\n    stock = Stock.objects.get(sku=sku)\n    {change}\n    stock.save()\n"
    [message] = _messages("OPS202", source, tmp_path)
    assert "stock.on_hand is decremented in Python" in message
    assert 'decrement it in the database with update(on_hand=F("on_hand") - n)' in message
    assert "increment" not in message


def test_ops202_each_direction_own_words(tmp_path: Path) -> None:
    source = (
        "def move(source_sku, target_sku, quantity):\n"
        "    source = Stock.objects.get(sku=source_sku)\n"
        "    target = Stock.objects.get(sku=target_sku)\n"
        "    source.on_hand -= quantity\n"
        "    target.on_hand += quantity\n"
        "    source.save()\n"
        "    target.save()\n"
    )
    decrement, increment = _messages("OPS202", source, tmp_path)
    assert "source.on_hand is decremented in Python" in decrement
    assert 'F("on_hand") - n' in decrement
    assert "target.on_hand is incremented in Python" in increment
    assert 'increment it in the database with update(on_hand=F("on_hand") + n)' in increment


def test_ops202_sqlalchemy_decrement_message(tmp_path: Path) -> None:
    source = "def reserve(session, stock_id, quantity):\n    stock = session.get(Stock, stock_id)\n    stock.on_hand -= quantity\n    session.commit()\n"
    [message] = _messages("OPS202", source, tmp_path)
    assert "stock.on_hand is decremented in Python and written back" in message
    assert "decrement it in the database with update(Stock).values(on_hand=Stock.on_hand - n)" in message


def test_ops202_model_method_names_what_works_on_self(tmp_path: Path) -> None:
    source = (
        "from django.db import models\n\n"
        "class Wallet(models.Model):\n"
        "    def withdraw(self, amount):\n"
        "        self.balance -= amount\n"
        "        self.save(update_fields=['balance'])\n"
    )
    [message] = _messages("OPS202", source, tmp_path)
    assert 'type(self).objects.filter(pk=self.pk).update(balance=F("balance") - n)' in message
    assert "refresh_from_db()" in message
    assert "# noqa: OPS202" in message
    assert "load the row with select_for_update() inside a transaction first" not in message
