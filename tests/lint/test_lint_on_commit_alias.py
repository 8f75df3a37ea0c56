"""OPS101 reports a ``transaction.on_commit()`` that registers its callback on a database
with no atomic block open there: Django then calls it at once, inside the block of the
other database, which may still roll back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

HEADER = """\
from django.core.mail import send_mail
from django.db import transaction


def mail():
    send_mail("Posted", "", None, ["a@example.invalid"])


"""


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(HEADER + textwrap.dedent(source)), rules, tmp_path)


REPORTED = {
    "default callback in another database's block": (
        """\
        def post():
            with transaction.atomic(using="ledger"):
                transaction.on_commit(mail)
        """,
        "the default database",
        "pass using='ledger'",
    ),
    "callback on another alias in a default block": (
        """\
        def post():
            with transaction.atomic():
                transaction.on_commit(mail, using="ledger")
        """,
        "the 'ledger' database",
        "leave out using=",
    ),
    "alias passed by position": (
        """\
        def post():
            with transaction.atomic():
                transaction.on_commit(mail, "ledger")
        """,
        "the 'ledger' database",
        "leave out using=",
    ),
    "default callback in an atomic decorator with an alias": (
        """\
        @transaction.atomic(using="ledger")
        def post():
            transaction.on_commit(mail)
        """,
        "the default database",
        "pass using='ledger'",
    ),
}


@pytest.mark.parametrize(("source", "database", "remedy"), list(REPORTED.values()), ids=list(REPORTED))
def test_on_commit_on_database_without_block_is_reported(tmp_path: Path, source: str, database: str, remedy: str) -> None:
    findings = ops101(tmp_path, source)

    assert len(findings) == 1
    assert findings[0].line == len(HEADER.splitlines()) + 3
    assert f"registers its callback on {database}" in findings[0].message
    assert "Django runs the callback at once" in findings[0].message
    assert remedy in findings[0].message
    assert findings[0].fix is None


QUIET = {
    "alias of the open block": """\
        def post():
            with transaction.atomic(using="ledger"):
                transaction.on_commit(mail, using="ledger")
        """,
    "alias of the open block by position": """\
        def post():
            with transaction.atomic(using="ledger"):
                transaction.on_commit(mail, "ledger")
        """,
    "default block open around the other one": """\
        def post():
            with transaction.atomic():
                with transaction.atomic(using="ledger"):
                    transaction.on_commit(mail)
        """,
    "alias given as a variable": """\
        def post(db):
            with transaction.atomic(using=db):
                transaction.on_commit(mail)
        """,
    "alias computed by a call": """\
        def post(router, entry):
            with transaction.atomic(using="ledger"):
                transaction.on_commit(mail, using=router.db_for_write(entry))
        """,
    "no block open": """\
        def post():
            transaction.on_commit(mail)
        """,
    "registered after the block": """\
        def post():
            with transaction.atomic(using="ledger"):
                pass
            transaction.on_commit(mail)
        """,
}


@pytest.mark.parametrize("source", list(QUIET.values()), ids=list(QUIET))
def test_on_commit_on_open_or_unknown_database_is_quiet(tmp_path: Path, source: str) -> None:
    assert ops101(tmp_path, source) == []
