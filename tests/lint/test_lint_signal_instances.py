"""Signals that are instances of one project Signal class keep their own receivers."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

SIGNALS = (
    "from django.dispatch import Signal\n\n"
    "class AppSignal(Signal):\n"
    "    pass\n\n"
    "order_placed = AppSignal()\n"
    "nightly = AppSignal()\n"
)
RECEIVERS = (
    "import requests\n"
    "from django.dispatch import receiver\n"
    "from app.signals import nightly\n\n"
    "@receiver(nightly)\n"
    "def call_home(sender, **kwargs):\n"
    "    requests.post('https://example.invalid/ping')\n"
)
SENDER = (
    "from django.db import transaction\n"
    "from app.signals import nightly, order_placed\n\n"
    "def place(order):\n"
    "    with transaction.atomic():\n"
    "        order_placed.send(sender=None, order=order)\n"
    "        nightly.send(sender=None)\n"
)


def test_send_reaches_only_its_own_receivers(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/signals.py": SIGNALS, "app/receivers.py": RECEIVERS}
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    findings = lint_example(Example(SENDER, path="app/orders.py", files=files), rules, tmp_path)
    assert [f.line for f in findings] == [7]
    assert "call_home" in " ".join(hop.name for hop in findings[0].via)
