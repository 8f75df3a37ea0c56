"""A call of a decorated function runs the wrapper that a project decorator puts around it."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

from tests_lint_support import write_project  # type: ignore[import-not-found]

RULES = [rule for rule in load_rules() if rule.code == "OPS101"]

DECORATORS = """\
import functools

import requests
from django.db import transaction

HOOKS = []


def announce(channel):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            requests.post("https://example.invalid/" + channel, json={}, timeout=2)
            return result

        return wrapper

    return decorate


def ping_first(func):
    def inner(*args, **kwargs):
        requests.post("https://example.invalid/ping", json={}, timeout=2)
        return func(*args, **kwargs)

    return inner


def announce_on_commit(func):
    def inner(*args, **kwargs):
        result = func(*args, **kwargs)
        transaction.on_commit(lambda: requests.post("https://example.invalid/done", json={}, timeout=2))
        return result

    return inner


def register(func):
    def later():
        requests.post("https://example.invalid/later", json={}, timeout=2)
        func()

    HOOKS.append(later)
    return func
"""

CALLER = """\
from django.db import transaction

from shop.decorators import {decorator}


@{decorator}{arguments}
def tag(release):
    release.save()


def cut(release):
    with transaction.atomic():
        tag(release)
"""


def _findings(decorator: str, tmp_path: Path, arguments: str = "") -> list[tuple[str, int]]:
    files = {"shop/__init__.py": "", "shop/decorators.py": DECORATORS}
    example = Example(CALLER.format(decorator=decorator, arguments=arguments), files=files)
    return [(Path(f.path).name, f.line) for f in lint_example(example, RULES, tmp_path)]


def test_decorator_factory_wrapper_posts_after_return(tmp_path: Path) -> None:
    assert _findings("announce", tmp_path, '("releases")') == [("example.py", 13)]


def test_bare_decorator_wrapper_posts_before_call(tmp_path: Path) -> None:
    assert _findings("ping_first", tmp_path) == [("example.py", 13)]


def test_wrapper_that_defers_to_commit(tmp_path: Path) -> None:
    assert _findings("announce_on_commit", tmp_path) == []


def test_registering_decorator_returns_function(tmp_path: Path) -> None:
    assert _findings("register", tmp_path) == []


def test_warm_run_sees_decorator_start_wrapping(tmp_path: Path) -> None:
    # Only the decorator's body changes: from handing back the function to wrapping it.
    registering = (
        "import requests\n\n\n"
        "def register(func):\n"
        "    def inner(*args, **kwargs):\n"
        "        requests.post('https://example.invalid/ping', timeout=2)\n"
        "        return func(*args, **kwargs)\n\n"
        "    return func\n"
    )
    wrapping = registering.replace("    return func\n", "    return inner\n")
    files = {"shop/__init__.py": "", "shop/decorators.py": registering, "shop/views.py": CALLER.format(decorator="register", arguments="")}
    root = write_project(tmp_path / "project", files)
    assert lint(root) == []
    (root / "shop/decorators.py").write_text(wrapping)
    assert lint(root) == [("views.py", 13)]


def lint(root: Path) -> list[tuple[str, int]]:
    result = lint_paths([root], load_config(root), use_cache=True)
    return [(Path(f.path).name, f.line) for f in result.findings if f.code == "OPS101"]
