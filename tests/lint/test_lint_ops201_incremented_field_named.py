"""OPS201 names the field of the lost update, with an incremented field first.

A Django view that checks and sets ``owner`` and also does ``balance += 1`` before one
``save()`` loses updates of both fields. The message names ``balance`` first, because a
lost increment is the usual lost update.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

MODELS = """\
from django.db import models


class Account(models.Model):
    owner = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)
    balance = models.IntegerField(default=0)
    label = models.CharField(max_length=40)
"""


def lint_view(tmp_path: Path, body: str) -> list[Finding]:
    source = textwrap.dedent(
        """\
        from django.db import transaction

        from shop.models import Account


        def claim_account(request, account_id):
            with transaction.atomic():
                account = Account.objects.get(pk=account_id)
        """
    ) + textwrap.indent(textwrap.dedent(body), " " * 8)
    rules = [rule for rule in load_rules() if rule.code in ("OPS201", "OPS202")]
    return lint_example(Example(source, files={"shop/__init__.py": "", "shop/models.py": MODELS}), rules, tmp_path)


def messages_of(findings: list[Finding], code: str) -> list[str]:
    return [finding.message for finding in findings if finding.code == code]


def test_augmented_increment_named_before_checked_field(tmp_path: Path) -> None:
    findings = lint_view(
        tmp_path,
        """\
        if account.owner is None:
            account.owner = request.user
        account.balance += 1
        account.save()
        """,
    )

    [ops201] = messages_of(findings, "OPS201")
    assert "then written back without a row lock after a check or read of its fields balance and owner," in ops201
    assert len(messages_of(findings, "OPS202")) == 1


def test_assigned_increment_named_before_checked_field(tmp_path: Path) -> None:
    findings = lint_view(
        tmp_path,
        """\
        account.balance = account.balance + 1
        if account.owner is None:
            account.owner = request.user
        account.save()
        """,
    )

    [ops201] = messages_of(findings, "OPS201")
    assert "after a check or read of its fields balance and owner," in ops201


def test_checked_field_alone_keeps_singular_message(tmp_path: Path) -> None:
    findings = lint_view(
        tmp_path,
        """\
        if account.owner is None:
            account.owner = request.user
        account.save()
        """,
    )

    [ops201] = messages_of(findings, "OPS201")
    assert "after a check or read of its field owner," in ops201


def test_increment_after_save_not_named(tmp_path: Path) -> None:
    findings = lint_view(
        tmp_path,
        """\
        if account.owner is None:
            account.owner = request.user
        account.save()
        account.balance += 1
        """,
    )

    [ops201] = messages_of(findings, "OPS201")
    assert "after a check or read of its field owner," in ops201


def test_increment_alone_stays_ops202(tmp_path: Path) -> None:
    findings = lint_view(
        tmp_path,
        """\
        account.balance += 1
        account.save()
        """,
    )

    assert messages_of(findings, "OPS201") == []
    assert len(messages_of(findings, "OPS202")) == 1
