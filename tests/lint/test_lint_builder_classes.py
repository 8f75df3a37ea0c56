"""Classes that return self by design (DB-API cursors, fluent builders), which are no services."""

from __future__ import annotations

import ast

import pytest

from opsgen.lint import services
from opsgen.lint.services import is_builder_or_cursor

CASES = [
    ("cursor", "class C:\n    def execute(self, sql):\n        return self\n\n    def fetchall(self):\n        return []\n", True),
    (
        "builder with a chained entry verb",
        "class Q:\n    def apply(self, x):\n        return self\n\n    def sort_by(self, f):\n        return self\n",
        True,
    ),
    ("entry verb the only chained method", "class Q:\n    def apply(self, x):\n        return self\n\n    def sort_by(self, f):\n        return 1\n", False),
    ("chained methods without an entry verb", "class Q:\n    def where(self, x):\n        return self\n\n    def order(self, f):\n        return self\n", False),
    ("entry verb alone", "class Q:\n    def run(self):\n        return self\n", False),
    (
        "private method chained",
        "class Q:\n    def run(self):\n        return self\n\n    def _step(self):\n        return self\n\n    def other(self):\n        pass\n",
        False,
    ),
    (
        "return self in a nested function",
        "class Q:\n    def run(self):\n        def inner():\n            return self\n        return inner\n\n    def where(self):\n        return self\n",
        False,
    ),
]


def _class(source: str) -> ast.ClassDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    return node


@pytest.mark.parametrize(("source", "expected"), [(source, expected) for _, source, expected in CASES], ids=[name for name, _, _ in CASES])
def test_is_builder_or_cursor(source: str, expected: bool) -> None:
    assert is_builder_or_cursor(_class(source)) is expected


def test_bodies_not_walked_without_entry_verb(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []

    def recording_returns_self(method: services.Method) -> ast.Return | None:
        walked.append(method.name)
        return None

    monkeypatch.setattr(services, "returns_self", recording_returns_self)
    source = "class Q:\n    def where(self, x):\n        return self\n\n    def order(self, f):\n        return self\n"
    assert is_builder_or_cursor(_class(source)) is False
    assert walked == []
