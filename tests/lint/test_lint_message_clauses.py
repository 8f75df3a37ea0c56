"""Message wording: OPS101's countdown note is a clause, not a second bracket, and
OPS102's message marks a listed write that repeats in a loop."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def lint(tmp_path: Path, code: str, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == code]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


def test_countdown_note_after_decorated_function(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        "OPS101",
        """\
        from django.db import transaction

        from feeds.tasks import refresh_feed


        @transaction.atomic
        def create_feed(owner, url):
            feed = owner.feeds.create(url=url)
            refresh_feed.apply_async((feed.pk,), countdown=5)
        """,
    )

    assert len(findings) == 1
    message = findings[0].message
    assert "inside the @atomic function create_feed() (line 7), and a countdown or eta does not wait for the commit;" in message
    assert "(line 7) (" not in message


def test_several_writes_names_loop(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        "OPS102",
        """\
        from boards.models import Column


        def reorder(board_id, order):
            columns = {c.pk: c for c in Column.objects.filter(board_id=board_id)}
            for position, pk in enumerate(order):
                column = columns[pk]
                column.position = position
                column.save(update_fields=["position"])
        """,
    )

    assert len(findings) == 1
    assert "makes several writes (column.save() at line 9 in a loop)" in findings[0].message


def test_two_writes_name_no_loop(tmp_path: Path) -> None:
    findings = lint(
        tmp_path,
        "OPS102",
        """\
        from shop.models import Order, OrderLine


        def place(cart):
            order = Order.objects.create(customer=cart.customer)
            OrderLine.objects.create(order=order, sku=cart.sku)
        """,
    )

    assert len(findings) == 1
    assert "makes 2 writes (Order.objects.create() at line 5, OrderLine.objects.create() at line 6)" in findings[0].message
