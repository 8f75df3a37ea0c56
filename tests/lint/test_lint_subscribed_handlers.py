"""A function handed to a project method that stores it runs where the container is called."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

BOOK = """\
from django.db import transaction


class PriceBook:
    def __init__(self):
        self._listeners = []
        self._names = []

    def subscribe(self, listener):
        self._listeners.append(listener)

    def describe(self, listener):
        self._names.append(listener.__name__)

    def set_prices(self, prices):
        with transaction.atomic():
            for listener in self._listeners:
                listener(prices)


book = PriceBook()
"""

HOOKS = """\
import requests

from shop.book import book


def tell_partner(prices):
    requests.post("https://example.invalid/prices", json=prices, timeout=5)


def count_prices(prices):
    return len(prices)


book.{method}({handler})
"""


def lint(root: Path, cache: bool = False) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def project(tmp_path: Path, method: str, handler: str = "tell_partner") -> Path:
    files = {"shop/__init__.py": "", "shop/book.py": BOOK, "shop/hooks.py": HOOKS.format(method=method, handler=handler)}
    return write_project(tmp_path / "project", files)


def test_subscribed_listener_runs_in_atomic(tmp_path: Path) -> None:
    assert lint(project(tmp_path, "subscribe")) == [("book.py", 18, "OPS101")]


def test_handed_function_not_stored(tmp_path: Path) -> None:
    assert lint(project(tmp_path, "describe")) == []


def test_warm_run_sees_new_subscription(tmp_path: Path) -> None:
    # Only the function handed changes: the call still links to subscribe().
    root = project(tmp_path, "subscribe", handler="count_prices")
    assert lint(root, cache=True) == []
    (root / "shop/hooks.py").write_text(HOOKS.format(method="subscribe", handler="tell_partner"))
    assert lint(root, cache=True) == [("book.py", 18, "OPS101")]
