"""OPS101 and OPS102 under a project's own context managers and decorators that wrap a transaction."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding, Fix

from tests_lint_support import write_project  # type: ignore[import-not-found]

DB_HELPERS = """\
import functools
from contextlib import contextmanager

from django.db import transaction
from sqlalchemy.orm import Session


@contextmanager
def unit_of_work():
    with transaction.atomic():
        yield


@contextmanager
def billing_unit():
    with transaction.atomic(using="billing"):
        yield


@contextmanager
def prepared():
    with transaction.atomic():
        warm_caches()
    yield


@contextmanager
def session_scope(engine):
    with Session(engine) as session, session.begin():
        yield session


def in_transaction(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            return function(*args, **kwargs)
    return wrapper


def retrying(attempts):
    def decorate(function):
        @transaction.atomic
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)
        return wrapper
    return decorate


def logged(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            record_call(function.__name__)
        return function(*args, **kwargs)
    return wrapper


def warm_caches():
    pass


def record_call(name):
    pass
"""


def lint_source(tmp_path: Path, body: str, codes: tuple[str, ...] = ("OPS101",)) -> list[Finding]:
    """Lint ``app/orders.py`` (``body`` dedented) beside ``app/db.py``; return the findings of ``codes``."""
    rules = [rule for rule in load_rules() if rule.code in codes]
    example = Example(textwrap.dedent(body), files={"app/__init__.py": "", "app/db.py": DB_HELPERS}, path="app/orders.py")
    return lint_example(example, rules, tmp_path)


def test_context_manager_block_names_helper(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import unit_of_work


        def place(order):
            with unit_of_work():
                order.save()
                requests.post("https://example.invalid/hook", json={"id": order.pk})
            requests.post("https://example.invalid/done")
        """,
    )

    assert [f.line for f in findings] == [9]
    assert "inside the unit_of_work() block at line 7, which opens an atomic() block" in findings[0].message
    assert findings[0].message.endswith("defer it until after commit with transaction.on_commit(...)")
    assert findings[0].fix == Fix("defer", 9, 8, "django", None)


def test_context_manager_fix_applies(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import requests

        from app.db import unit_of_work

        HOOK = "https://example.invalid/hook"


        def place(order):
            with unit_of_work():
                order.save()
                requests.post(HOOK, data=order.pk)
        """
    )
    findings = lint_source(tmp_path, source)

    fixed = apply_fixes(source, [f.fix for f in findings if f.fix is not None])

    assert fixed.applied == 1
    assert "        transaction.on_commit(partial(requests.post, HOOK, data=order.pk))\n" in fixed.source
    assert "from django.db import transaction\n" in fixed.source


def test_context_manager_carries_using(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import billing_unit


        def charge(invoice):
            with billing_unit():
                requests.post("https://example.invalid/charge", json={"id": invoice.pk})
        """,
    )

    assert len(findings) == 1
    assert findings[0].fix == Fix("defer", 8, 8, "django", "billing")


def test_yield_after_block_opens_nothing(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import prepared


        def place(order):
            with prepared():
                requests.post("https://example.invalid/hook", json={"id": order.pk})
        """,
    )

    assert findings == []


def test_session_scope_gets_session_advice(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import session_scope


        def place(engine, order):
            with session_scope(engine) as session:
                session.add(order)
                requests.post("https://example.invalid/hook", json={"id": order.id})
        """,
    )

    assert [f.line for f in findings] == [9]
    assert "inside the session_scope() block at line 7, which opens a session transaction" in findings[0].message
    assert findings[0].fix is None


def test_decorator_wraps_call_in_block(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import in_transaction


        @in_transaction
        def place(order):
            order.save()
            requests.post("https://example.invalid/hook", json={"id": order.pk})
        """,
    )

    assert [f.line for f in findings] == [9]
    assert "inside the atomic() block that @in_transaction() opens around place() (line 7)" in findings[0].message
    assert findings[0].fix == Fix("defer", 9, 4, "django", None)


def test_decorator_factory_with_atomic_wrapper(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import retrying


        @retrying(attempts=3)
        def place(order):
            order.save()
            requests.post("https://example.invalid/hook", json={"id": order.pk})
        """,
    )

    assert [f.line for f in findings] == [9]
    assert "@retrying() opens around place()" in findings[0].message


def test_decorator_calling_outside_block(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        import requests

        from app.db import logged


        @logged
        def place(order):
            order.save()
            requests.post("https://example.invalid/hook", json={"id": order.pk})
        """,
    )

    assert findings == []


def test_writes_under_opener_not_forgotten(tmp_path: Path) -> None:
    findings = lint_source(
        tmp_path,
        """\
        from app.db import in_transaction, unit_of_work
        from app.models import Order, OrderLine


        def place(customer, items):
            with unit_of_work():
                order = Order.objects.create(customer=customer)
                OrderLine.objects.bulk_create([OrderLine(order=order, **item) for item in items])


        @in_transaction
        def cancel(order):
            order.lines.all().delete()
            order.delete()
        """,
        codes=("OPS102",),
    )

    assert findings == []


def test_opener_body_change_rechecks_callers(tmp_path: Path) -> None:
    orders = """\
        import requests

        from app.db import unit_of_work


        def place(order):
            with unit_of_work():
                requests.post("https://example.invalid/hook", json={"id": order.pk})
        """
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB_HELPERS, "app/orders.py": orders})

    first = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS101"]
    without_block = DB_HELPERS.replace("    with transaction.atomic():\n        yield\n", "    yield\n", 1)
    (root / "app" / "db.py").write_text(without_block)
    second = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS101"]

    assert first == [8]
    assert second == []
