"""The text check that lets the OPS3 rules skip modules that cannot define a service."""

from __future__ import annotations

import pytest

from opsgen.lint.services import may_define_services

CASES = [
    ("entry method", "class Checkout:\n    def run(self):\n        pass\n", True),
    ("async entry method with tabs", "class Checkout:\n\tasync\tdef  execute(self):\n\t\tpass\n", True),
    ("entry verb at module level", "def run():\n    pass\n", False),
    ("entry verb as a prefix", "class Checkout:\n    def running(self):\n        pass\n", False),
    ("entry def after code on its line", "class Checkout:\n    x = 1; def run(self): pass\n", False),
    ("agent class", "class InvoiceSender(Base):\n    pass\n", True),
    ("agent class on the first line", "class Sender:\n    pass\n", True),
    ("agent suffix in an indented class", "def build():\n    class InvoiceSender:\n        pass\n", False),
    ("agent suffix after another word", "subclass InvoiceSender\n", False),
    ("agent suffix inside a longer name", "class InvoiceSenders:\n    pass\n", False),
    ("two root classes sharing a verb", "class A:\n    def go(self): ...\n\n\nclass B:\n    def go(self): ...\n", True),
    ("two root classes with distinct verbs", "class A:\n    def go(self): ...\n\n\nclass B:\n    def stop(self): ...\n", False),
]


@pytest.mark.parametrize(("source", "expected"), [(source, expected) for _, source, expected in CASES], ids=[name for name, _, _ in CASES])
def test_may_define_services(source: str, expected: bool) -> None:
    assert may_define_services(source) is expected
