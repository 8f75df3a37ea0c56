"""A row reloaded with a row lock counts as loaded with one in OPS201 and OPS202."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code in ("OPS201", "OPS202")]


def _findings(source: str, tmp_path: Path) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in lint_example(Example(source), RULES, tmp_path)]


DJANGO_REFRESH = """\
from django.db import transaction

from shop.models import Order, Product


def ship(pk):
    order = Order.objects.get(pk=pk)
    with transaction.atomic():
        order.refresh_from_db({arguments})
        if order.status == "paid":
            order.status = "shipped"
            order.save()


def restock(product, n):
    with transaction.atomic():
        product.refresh_from_db({arguments})
        product.stock += n
        product.save()
"""


def test_refresh_from_db_with_locking_queryset(tmp_path: Path) -> None:
    source = DJANGO_REFRESH.format(arguments="from_queryset=Order.objects.select_for_update()")
    assert _findings(source, tmp_path) == []


def test_refresh_from_db_with_named_queryset(tmp_path: Path) -> None:
    source = DJANGO_REFRESH.replace(
        "        order.refresh_from_db({arguments})",
        "        locked = Order.objects.select_for_update(nowait=True)\n        order.refresh_from_db(from_queryset=locked)",
    ).format(arguments='fields=["stock"], from_queryset=Product.objects.select_for_update()')
    assert _findings(source, tmp_path) == []


def test_refresh_from_db_without_lock(tmp_path: Path) -> None:
    source = DJANGO_REFRESH.format(arguments="from_queryset=Order.objects.filter(archived=False)")
    assert _findings(source, tmp_path) == [(7, "OPS201"), (18, "OPS202")]


def test_change_after_refresh_lock_ended(tmp_path: Path) -> None:
    source = (
        "from django.db import transaction\n\n"
        "def restock(product, n):\n"
        "    with transaction.atomic():\n"
        "        product.refresh_from_db(from_queryset=Product.objects.select_for_update())\n"
        "    product.stock += n\n"
        "    product.save()\n"
    )
    findings = lint_example(Example(source), RULES, tmp_path)
    assert [(f.line, f.code) for f in findings] == [(6, "OPS202")]
    assert "after the transaction that locked the row ended on line 5" in findings[0].message


def test_sqlalchemy_refresh_with_for_update(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.orm import Session\n\n"
        "def close(session: Session, pk):\n"
        "    account = session.get(Account, pk)\n"
        "    with session.begin():\n"
        "        session.refresh(account, with_for_update={flag})\n"
        "        if account.state == 'open':\n"
        "            account.state = 'closed'\n"
    )
    assert _findings(source.format(flag="True"), tmp_path) == []
    assert _findings(source.format(flag="False"), tmp_path) == [(4, "OPS201")]
