"""OPS102 counts Django writes to a database that the atomic() around them does not open."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS102"]

HEADER = "from django.db import transaction\n\nfrom ledger.models import Batch, Entry\n\nLEDGER = 'ledger'\n\n\n"


def _findings(body: str, tmp_path: Path) -> list[str]:
    return [f.message for f in lint_example(Example(HEADER + body), RULES, tmp_path)]


def test_writes_to_ledger_inside_default_atomic(tmp_path: Path) -> None:
    body = (
        "def post(lines):\n"
        "    with transaction.atomic():\n"
        "        batch = Batch.objects.using(LEDGER).create()\n"
        "        Entry.objects.db_manager('ledger').bulk_create(lines)\n"
    )
    [message] = _findings(body, tmp_path)
    assert "on the 'ledger' database" in message
    assert "transaction.atomic(using='ledger')" in message


def test_atomic_decorator_on_default(tmp_path: Path) -> None:
    body = "@transaction.atomic\ndef post(batch):\n    batch.save(using=LEDGER)\n    Entry.objects.using(LEDGER).filter(batch=batch).delete()\n"
    assert len(_findings(body, tmp_path)) == 1


@pytest.mark.parametrize(
    "opening",
    [
        "transaction.atomic(using='ledger')",
        "transaction.atomic(using=LEDGER)",
        "transaction.atomic(using=alias)",
    ],
)
def test_block_on_the_written_database(opening: str, tmp_path: Path) -> None:
    body = (
        "def post(lines, alias):\n"
        f"    with {opening}:\n"
        "        batch = Batch.objects.using(LEDGER).create()\n"
        "        Entry.objects.using(LEDGER).bulk_create(lines)\n"
    )
    assert _findings(body, tmp_path) == []


def test_nested_block_on_the_written_database(tmp_path: Path) -> None:
    body = (
        "def post(lines):\n"
        "    with transaction.atomic():\n"
        "        with transaction.atomic(using='ledger'):\n"
        "            batch = Batch.objects.using('ledger').create()\n"
        "            Entry.objects.using('ledger').bulk_create(lines)\n"
    )
    assert _findings(body, tmp_path) == []


def test_caller_holds_the_ledger_transaction(tmp_path: Path) -> None:
    body = (
        "@transaction.atomic\n"
        "def post(batch):\n"
        "    batch.save(using=LEDGER)\n"
        "    Entry.objects.using(LEDGER).filter(batch=batch).delete()\n\n\n"
        "def close(batch):\n"
        "    with transaction.atomic(using=LEDGER):\n"
        "        post(batch)\n"
    )
    assert _findings(body, tmp_path) == []
