"""A with statement runs the __enter__ and __exit__ of the project class it builds."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code in ("OPS101", "OPS102")]

TIMERS = """\
import requests
from django.db import transaction

from shop.models import AuditLog


class Timer:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        requests.post("https://example.invalid/metrics", json={}, timeout=2)


class AsyncTimer:
    async def __aenter__(self):
        requests.post("https://example.invalid/started", json={}, timeout=2)
        return self

    async def __aexit__(self, *exc):
        return False


class Audit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        AuditLog.objects.create(action="cancel")


class Service:
    def span(self, name):
        return Timer()

"""

#: Line numbers of the body appended to TIMERS start after this one.
BASE = TIMERS.count("\n")


def _findings(body: str, tmp_path: Path) -> list[tuple[int, str]]:
    source = TIMERS + body
    return [(f.line, f.code) for f in lint_example(Example(source), RULES, tmp_path)]


def test_exit_runs_inside_atomic(tmp_path: Path) -> None:
    body = "def save(order):\n    with transaction.atomic():\n        with Timer():\n            order.save()\n"
    assert _findings(body, tmp_path) == [(BASE + 3, "OPS101")]


def test_context_manager_from_factory_method(tmp_path: Path) -> None:
    body = "    def run(self, order):\n        with transaction.atomic():\n            with self.span('save'):\n                order.save()\n"
    assert _findings(body, tmp_path) == [(BASE + 3, "OPS101")]


def test_async_enter_runs_inside_atomic(tmp_path: Path) -> None:
    body = "async def save(order):\n    async with transaction.atomic():\n        async with AsyncTimer():\n            await order.asave()\n"
    assert _findings(body, tmp_path) == [(BASE + 3, "OPS101")]


def test_context_manager_around_atomic(tmp_path: Path) -> None:
    body = "def save(order):\n    with Timer():\n        with transaction.atomic():\n            order.save()\n"
    assert _findings(body, tmp_path) == []


def test_exit_write_counts_in_ops102(tmp_path: Path) -> None:
    body = "def cancel(order):\n    with Audit():\n        order.save()\n"
    assert _findings(body, tmp_path) == [(BASE + 2, "OPS102")]
