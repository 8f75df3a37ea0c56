"""When the deferring autofix must leave a finding alone, and how its output is laid out."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Fix

RULES = load_rules()

HEADER = """\
from django.db import transaction
from shop.models import Order
from shop.tasks import send_receipt


"""


def lint_and_fix(source: str, tmp_path: Path) -> tuple[str, list[str]]:
    """Lint ``source`` and apply its fixes. Return the new source and the skip reasons."""
    example = Example(source)
    findings = lint_example(example, RULES, tmp_path)
    result = apply_fixes(source, [f.fix for f in findings if f.fix is not None])
    return result.source, [skip.reason for skip in result.skipped]


def delay_fix(source: str) -> Fix:
    """A fix aimed at the ``send_receipt.delay`` call, wherever it is."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "send_receipt.delay":
            return Fix("defer", node.lineno, node.col_offset, "django")
    raise AssertionError("no send_receipt.delay call")


@pytest.mark.parametrize(
    "body",
    [
        """\
        def pay(order):
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(status="paid"); send_receipt.delay(order.pk)
        """,
        """\
        def pay(order):
            with transaction.atomic(): Order.objects.filter(pk=order.pk).update(status="paid"); send_receipt.delay(order.pk)
        """,
        """\
        def pay(order):
            with transaction.atomic(): send_receipt.delay(order.pk)
        """,
    ],
)
def test_statement_sharing_its_line_is_not_fixed(body: str, tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(body)

    fixed = apply_fixes(source, [delay_fix(source)])
    assert fixed.source == source
    assert fixed.applied == 0
    assert [skip.reason for skip in fixed.skipped] == ["the statement shares its line with another statement"]

    again, _ = lint_and_fix(source, tmp_path)
    assert again == source


def test_fix_needs_exact_column(tmp_path: Path) -> None:
    source = HEADER + "def pay(order):\n    with transaction.atomic():\n        order.save()\n        send_receipt.delay(order.pk)\n"
    wrong_column = Fix("defer", 9, 0, "django")

    result = apply_fixes(source, [wrong_column])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["no call starts at this position"]


def test_call_inside_expression_skipped() -> None:
    source = HEADER + "def pay(order):\n    with transaction.atomic():\n        send_receipt.delay(order.pk) or None\n"

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["the call is not the whole statement"]


def test_call_already_deferred_is_not_wrapped_again() -> None:
    source = HEADER + (
        "from functools import partial\n\n"
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        transaction.on_commit(partial(send_receipt.delay, order.pk))\n"
    )
    line = source.splitlines().index("        transaction.on_commit(partial(send_receipt.delay, order.pk))") + 1

    result = apply_fixes(source, [Fix("defer", line, 8, "django")])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["the call already defers"]


def test_second_fix_changes_nothing(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def pay(order):
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(status="paid")
                send_receipt.delay(order.pk)
        """
    )

    once, _ = lint_and_fix(source, tmp_path / "first")
    twice, _ = lint_and_fix(once, tmp_path / "second")

    assert "        transaction.on_commit(partial(send_receipt.delay, order.pk))\n" in once
    assert '        Order.objects.filter(pk=order.pk).update(status="paid")\n' in once
    assert twice == once


@pytest.mark.parametrize(
    "body",
    [
        """\
        def pay(order):
            with transaction.atomic():
                order.save()
                try:
                    send_receipt.delay(order.pk)
                except ConnectionError:
                    order.mark_unsent()
        """,
        """\
        def pay(order):
            try:
                with transaction.atomic():
                    order.save()
                    send_receipt.delay(order.pk)
            except ConnectionError:
                order.mark_unsent()
        """,
    ],
)
def test_call_inside_a_try_body_is_not_fixed(body: str, tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(body)

    result = apply_fixes(source, [delay_fix(source)])
    fixed, _ = lint_and_fix(source, tmp_path)

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["the call sits inside a try body whose handlers would miss its errors"]
    assert fixed == source


@pytest.mark.parametrize(
    ("later", "name"),
    [
        ('order.status = "changed"', "order"),
        ('order["status"] = "changed"', "order"),
        ("order.count += 1", "order"),
        ("order = Order()", "order"),
        ("for order in []:\n            pass", "order"),
        ("del order.cache", "order"),
        ("send_receipt = None", "send_receipt"),
    ],
)
def test_call_whose_objects_change_later_is_not_fixed(later: str, name: str) -> None:
    source = HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        "        send_receipt.delay(order.pk)\n"
        f"        {later}\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == [f"a later statement changes {name}"]


def test_changes_after_the_transaction_block_do_not_matter() -> None:
    source = HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        "        send_receipt.delay(order.pk)\n"
        '    order.status = "sent"\n'
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.applied == 1
    assert "        transaction.on_commit(partial(send_receipt.delay, order.pk))\n" in result.source


def test_partial_import_goes_into_the_standard_library_section() -> None:
    source = (
        '"""Orders."""\n\n'
        "from __future__ import annotations\n\n"
        "import json\n"
        "import logging\n"
        "from typing import Any\n\n"
        "from django.db import transaction\n\n"
        "from shop.tasks import send_receipt\n\n\n"
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        send_receipt.delay(order.pk)\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source.startswith(
        '"""Orders."""\n\n'
        "from __future__ import annotations\n\n"
        "import json\n"
        "import logging\n"
        "from functools import partial\n"
        "from typing import Any\n\n"
        "from django.db import transaction\n"
    )


def test_partial_import_opens_stdlib_section() -> None:
    source = HEADER + "def pay(order):\n    with transaction.atomic():\n        send_receipt.delay(order.pk)\n"

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source.startswith("from functools import partial\n\nfrom django.db import transaction\n")


def test_long_call_is_split_over_lines() -> None:
    source = HEADER + textwrap.dedent(
        """\
        def pay(order, customer):
            with transaction.atomic():
                order.save()
                send_receipt.delay(order.pk, customer_email=customer.email, template="receipt-with-invoice", copy_to_accounting=True)
        """
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.applied == 1
    assert max(len(line) for line in result.source.splitlines()[6:]) <= 88
    assert result.source.endswith(
        "        transaction.on_commit(\n"
        "            partial(\n"
        "                send_receipt.delay,\n"
        "                order.pk,\n"
        "                customer_email=customer.email,\n"
        '                template="receipt-with-invoice",\n'
        "                copy_to_accounting=True,\n"
        "            ),\n"
        "        )\n"
    )
    compile(result.source, "orders.py", "exec")


def test_later_change_in_nested_block_skipped() -> None:
    source = HEADER + (
        "def pay(order, paid):\n"
        "    with transaction.atomic():\n"
        "        if paid:\n"
        "            send_receipt.delay(order)\n"
        '            order.status = "sent"\n'
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["a later statement changes order"]


def test_earlier_change_in_loop_skipped() -> None:
    source = HEADER + (
        "def pay(order, lines):\n"
        "    with transaction.atomic():\n"
        "        for line in lines:\n"
        "            order.total += line\n"
        "            send_receipt.delay(order)\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == ["a later statement changes order"]


SMTP_HEADER = """\
import smtplib

from django.db import transaction
from shop.models import Order


"""


def sendmail_fix(source: str) -> Fix:
    """A fix aimed at the ``smtp.sendmail`` call."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "smtp.sendmail":
            return Fix("defer", node.lineno, node.col_offset, "django")
    raise AssertionError("no smtp.sendmail call")


def test_connection_closed_by_with_not_fixed() -> None:
    source = SMTP_HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        '        with smtplib.SMTP("localhost") as smtp:\n'
        '            smtp.sendmail("shop@example.com", [order.email], "paid")\n'
    )

    result = apply_fixes(source, [sendmail_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == [
        "the with statement at line 10 closes smtp before the commit"
    ]


def test_connection_quit_later_not_fixed() -> None:
    source = SMTP_HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        '        smtp = smtplib.SMTP("localhost")\n'
        '        smtp.sendmail("shop@example.com", [order.email], "paid")\n'
        "        smtp.quit()\n"
    )

    result = apply_fixes(source, [sendmail_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == [
        "a later statement calls a method of smtp, which the deferred call would see changed or closed"
    ]


def test_connection_outside_block_fixed() -> None:
    source = SMTP_HEADER + (
        "def pay(order):\n"
        '    with smtplib.SMTP("localhost") as smtp:\n'
        "        with transaction.atomic():\n"
        "            order.save()\n"
        '            smtp.sendmail("shop@example.com", [order.email], "paid")\n'
    )

    result = apply_fixes(source, [sendmail_fix(source)])

    assert result.applied == 1
    assert "transaction.on_commit(" in result.source
    assert "partial(smtp.sendmail," in result.source


def test_imported_receiver_still_fixed() -> None:
    source = HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        "        send_receipt.delay(order.pk)\n"
        "        send_receipt.delay(order.customer_id)\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.applied == 1


@pytest.mark.parametrize("argument", ["recipients", "[recipients]"])
def test_argument_changed_later_not_fixed(argument: str) -> None:
    source = HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        recipients = [order.email]\n"
        f"        send_receipt.delay(order.pk, {argument})\n"
        "        recipients.clear()\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.source == source
    assert [skip.reason for skip in result.skipped] == [
        "a later statement calls a method of recipients, which the deferred call would see changed or closed"
    ]


def test_attribute_read_now_fixed() -> None:
    source = HEADER + (
        "def pay(order):\n"
        "    with transaction.atomic():\n"
        "        send_receipt.delay(order.pk)\n"
        "        order.save()\n"
    )

    result = apply_fixes(source, [delay_fix(source)])

    assert result.applied == 1
