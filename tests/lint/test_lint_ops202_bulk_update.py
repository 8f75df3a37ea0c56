"""OPS202 reports rows changed in Python and written back with bulk_update() without a lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS202"]

DICT_OF_ROWS = """\
from django.db import transaction

from shop.models import Product


def reserve(lines):
    with transaction.atomic():
        products = {{p.pk: p for p in {query}}}
        for line in lines:
            product = products.get(line.product_id)
            product.stock -= line.quantity
        Product.objects.bulk_update(products.values(), {fields})
"""


def _lines(source: str, tmp_path: Path) -> list[int]:
    return [f.line for f in lint_example(Example(source), RULES, tmp_path)]


def test_rows_from_unlocked_query(tmp_path: Path) -> None:
    source = DICT_OF_ROWS.format(query="Product.objects.filter(pk__in=[1, 2])", fields='["stock"]')
    assert _lines(source, tmp_path) == [11]


def test_rows_from_locked_query(tmp_path: Path) -> None:
    source = DICT_OF_ROWS.format(query="Product.objects.select_for_update().filter(pk__in=[1, 2])", fields='["stock"]')
    assert _lines(source, tmp_path) == []


def test_bulk_update_of_other_fields(tmp_path: Path) -> None:
    source = DICT_OF_ROWS.format(query="Product.objects.filter(pk__in=[1, 2])", fields='["name"]')
    assert _lines(source, tmp_path) == []


@pytest.mark.parametrize("rows", ["list(Product.objects.filter(active=True))", "Product.objects.filter(active=True)"])
def test_loop_over_rows_then_bulk_update(rows: str, tmp_path: Path) -> None:
    source = (
        "from shop.models import Product\n\n"
        "def restock(n):\n"
        f"    products = {rows}\n"
        "    for product in products:\n"
        "        product.stock += n\n"
        "    Product.objects.bulk_update(products, fields=['stock'])\n"
    )
    assert _lines(source, tmp_path) == [6]
