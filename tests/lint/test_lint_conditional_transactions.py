"""A transaction chosen at run time, or bound to a name before its with statement."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS101"]

HEADER = """\
from contextlib import nullcontext

import requests
from django.db import transaction


"""
#: Line numbers of the function appended to HEADER start after this one.
BASE = HEADER.count("\n")


def _findings(body: str, tmp_path: Path) -> list[tuple[int, str | None]]:
    findings = lint_example(Example(HEADER + body), RULES, tmp_path)
    return [(f.line, f.fix.using if f.fix is not None else None) for f in findings]


def test_choice_between_atomic_and_nullcontext(tmp_path: Path) -> None:
    body = (
        "def sync(dry_run):\n"
        "    with (transaction.atomic(using='ledger') if dry_run else nullcontext()):\n"
        "        requests.post('https://example.invalid/done', timeout=2)\n"
    )
    assert _findings(body, tmp_path) == [(BASE + 3, "ledger")]


def test_choice_bound_to_name_first(tmp_path: Path) -> None:
    body = (
        "def sync(dry_run):\n"
        "    scope = nullcontext() if not dry_run else transaction.atomic()\n"
        "    with scope:\n"
        "        requests.post('https://example.invalid/done', timeout=2)\n"
    )
    assert _findings(body, tmp_path) == [(BASE + 4, None)]


def test_name_rebound_to_nullcontext(tmp_path: Path) -> None:
    body = (
        "def sync():\n"
        "    scope = transaction.atomic()\n"
        "    with scope:\n"
        "        requests.post('https://example.invalid/a', timeout=2)\n"
        "    scope = nullcontext()\n"
        "    with scope:\n"
        "        requests.post('https://example.invalid/b', timeout=2)\n"
    )
    assert _findings(body, tmp_path) == [(BASE + 4, None)]
