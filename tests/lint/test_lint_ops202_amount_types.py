"""OPS202 counts an amount of unknown type as a number, and skips only text or lists.

A request value (``payload["amount"]``, ``data.get("amount")``, ``request.json["amount"]``)
is the most common amount in a view, and the string key of its lookup is not text that
the field gains. Text or a list is skipped when the amount's shape shows it, when the
model declares the field as text, JSON or an array, or, with no declaration found, when
the field's name is a word for text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.increment_amounts import amount_kind, text_named_field
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = {rule.code: rule for rule in load_rules()}

DJANGO_MODELS = (
    "from django.db import models\n\n"
    "class Account(models.Model):\n"
    "    balance = models.DecimalField(max_digits=12, decimal_places=2)\n"
    "    note = models.TextField(blank=True)\n"
    "    memo = models.CharField(max_length=200)\n"
    "    labels = models.JSONField(default=list)\n"
    "    history = models.IntegerField(default=0)\n"
)
SQLALCHEMY_MODELS = (
    "from sqlalchemy import Column, Integer, Numeric, String, Text\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n\n"
    "class Wallet(Base):\n"
    "    __tablename__ = 'wallets'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    balance = Column(Numeric(12, 2))\n"
    "    memo = Column('memo_text', Text)\n"
    "    code: Mapped[str | None] = mapped_column(String(20))\n"
    "    points: Mapped[int]\n"
)
FLASK_APP = (
    "from flask import Flask, request\n"
    "from flask_sqlalchemy import SQLAlchemy\n\n"
    "app = Flask(__name__)\n"
    "db = SQLAlchemy(app)\n\n"
    "class Wallet(db.Model):\n"
    "    id = db.Column(db.Integer, primary_key=True)\n"
    "    balance = db.Column(db.Numeric(12, 2), nullable=False, default=0)\n"
    "    memo = db.Column(db.String(200))\n\n"
)


def _django_lines(change: str, tmp_path: Path) -> list[int]:
    source = (
        "from app.models import Account\n\n"
        "def apply(pk, payload, data, form, request, amounts, raw):\n"
        "    account = Account.objects.get(pk=pk)\n"
        f"    {change}\n"
        "    account.save()\n"
    )
    example = Example(source, files={"app/__init__.py": "", "app/models.py": DJANGO_MODELS}, path="app/views.py")
    return [f.line for f in lint_example(example, [RULES["OPS202"]], tmp_path) if f.code == "OPS202"]


def _sqlalchemy_lines(change: str, tmp_path: Path) -> list[int]:
    source = (
        "from app.models import Wallet\n\n"
        "def apply(session, wallet_id, payload):\n"
        "    wallet = session.get(Wallet, wallet_id)\n"
        f"    {change}\n"
        "    session.commit()\n"
    )
    example = Example(source, files={"app/__init__.py": "", "app/models.py": SQLALCHEMY_MODELS}, path="app/views.py")
    return [f.line for f in lint_example(example, [RULES["OPS202"]], tmp_path) if f.code == "OPS202"]


@pytest.mark.parametrize(
    "change",
    [
        'account.balance += payload["amount"]',
        'account.balance += data.get("amount")',
        'account.balance += data.get("amount", 0)',
        'account.balance += form.cleaned_data["amount"]',
        'account.balance -= request.POST["amount"]',
        'account.balance += Decimal(payload["amount"])',
        'account.balance += Decimal("1.50")',
        'account.balance += int(data.get("amount", "0"))',
        'account.balance = account.balance + data["amount"]',
        'setattr(account, "balance", getattr(account, "balance") + payload["amount"])',
        "account.balance += amounts[0]",
        "account.balance += int(raw)",
        "account.balance += raw",
        'account.balance += payload["amount"] or 0',
    ],
)
def test_ops202_lookup_amount_reported(change: str, tmp_path: Path) -> None:
    assert _django_lines(change, tmp_path) == [5]


@pytest.mark.parametrize(
    "change",
    [
        'account.balance += " (closed)"',
        'account.balance += f"{raw}"',
        "account.balance += [raw]",
        "account.balance += (raw,)",
        "account.balance += str(raw)",
        'account.balance += ", ".join(amounts)',
        'account.balance += "\\n" + payload["line"]',
        'account.balance += "%s;" % raw',
        'account.balance += raw.strip()',
        'account.balance += payload["line"] or ""',
    ],
)
def test_ops202_text_amount_skipped(change: str, tmp_path: Path) -> None:
    assert _django_lines(change, tmp_path) == []


@pytest.mark.parametrize(
    "change",
    [
        'account.note += payload["note"]',
        'account.memo += data.get("memo")',
        "account.labels += raw",
    ],
)
def test_ops202_declared_text_field_skipped(change: str, tmp_path: Path) -> None:
    assert _django_lines(change, tmp_path) == []


def test_ops202_declared_number_beats_field_name(tmp_path: Path) -> None:
    # ``history`` sounds like text, but the model declares it as an IntegerField.
    assert _django_lines('account.history += payload["count"]', tmp_path) == [5]


@pytest.mark.parametrize(
    "change",
    ['order.notes += payload["notes"]', 'order.error_message += data.get("line")', "order.description += raw"],
)
def test_ops202_text_named_field_skipped(change: str, tmp_path: Path) -> None:
    # Order is not declared in the project, so the field's name decides.
    source = f"def apply(pk, payload, data, raw):\n    order = Order.objects.get(pk=pk)\n    {change}\n    order.save()\n"
    assert [f.line for f in lint_example(Example(source), [RULES["OPS202"]], tmp_path)] == []


def test_ops202_number_amount_beats_field_name(tmp_path: Path) -> None:
    source = "def apply(pk):\n    order = Order.objects.get(pk=pk)\n    order.history += 1\n    order.save()\n"
    assert [f.line for f in lint_example(Example(source), [RULES["OPS202"]], tmp_path)] == [3]


def test_ops202_model_method_declared_text(tmp_path: Path) -> None:
    source = (
        "from django.db import models\n\n"
        "class Ticket(models.Model):\n"
        "    body = models.TextField()\n"
        "    replies = models.IntegerField(default=0)\n\n"
        "    def reply(self, payload):\n"
        '        self.body += payload["text"]\n'
        '        self.replies += payload["count"]\n'
        "        self.save()\n"
    )
    assert [f.line for f in lint_example(Example(source), [RULES["OPS202"]], tmp_path)] == [9]


@pytest.mark.parametrize(
    "change",
    ['wallet.balance += payload["amount"]', 'wallet.balance -= payload.get("amount")', 'wallet.points += payload["points"]'],
)
def test_ops202_sqlalchemy_lookup_amount_reported(change: str, tmp_path: Path) -> None:
    assert _sqlalchemy_lines(change, tmp_path) == [5]


@pytest.mark.parametrize("change", ['wallet.memo += payload["memo"]', 'wallet.code += payload.get("suffix")'])
def test_ops202_sqlalchemy_declared_text_skipped(change: str, tmp_path: Path) -> None:
    assert _sqlalchemy_lines(change, tmp_path) == []


def test_ops202_flask_request_json_reported(tmp_path: Path) -> None:
    source = (
        FLASK_APP
        + "@app.post('/wallets/<int:wallet_id>/topup')\n"
        "def topup(wallet_id):\n"
        "    wallet = db.session.get(Wallet, wallet_id)\n"
        '    wallet.balance += request.json["amount"]\n'
        '    wallet.memo += request.json["memo"]\n'
        "    db.session.commit()\n"
        "    return ''\n"
    )
    findings = [f for f in lint_example(Example(source), [RULES["OPS202"]], tmp_path) if f.code == "OPS202"]
    assert [f.line for f in findings] == [15]
    assert "update(Wallet).values(balance=Wallet.balance + n)" in findings[0].message


def test_ops202_flask_locked_row_clean(tmp_path: Path) -> None:
    source = (
        FLASK_APP
        + "@app.post('/wallets/<int:wallet_id>/topup')\n"
        "def topup(wallet_id):\n"
        "    wallet = db.session.get(Wallet, wallet_id, with_for_update=True)\n"
        '    wallet.balance += request.json["amount"]\n'
        "    db.session.commit()\n"
        "    return ''\n"
    )
    assert lint_example(Example(source), [RULES["OPS202"]], tmp_path) == []


def test_ops202_django_locked_row_clean(tmp_path: Path) -> None:
    source = (
        "from django.db import transaction\n\n"
        "def apply(pk, payload):\n"
        "    with transaction.atomic():\n"
        "        account = Account.objects.select_for_update().get(pk=pk)\n"
        '        account.balance += payload["amount"]\n'
        "        account.save()\n"
    )
    assert lint_example(Example(source), [RULES["OPS202"]], tmp_path) == []


@pytest.mark.parametrize(
    ("amount", "kind"),
    [
        ('data["amount"]', "unknown"),
        ('data.get("amount")', "unknown"),
        ("-amount", "number"),
        ("quantity * 2", "number"),
        ("quantity * price", "unknown"),
        ('Decimal("2.5")', "number"),
        ("timedelta(days=30)", "number"),
        ('"abc"[1:]', "text"),
        ('"-" * width', "text"),
        ("[item] * count", "text"),
        ('"a" if flag else "b"', "text"),
        ("await fetch_amount()", "unknown"),
        ("True", "unknown"),
    ],
)
def test_amount_kind_shapes(amount: str, kind: str) -> None:
    assert amount_kind(ast.parse(amount, mode="eval").body) == kind


@pytest.mark.parametrize(
    ("name", "text"),
    [("notes", True), ("admin_note", True), ("error_message", True), ("message_count", False), ("balance", False)],
)
def test_text_named_field(name: str, text: bool) -> None:
    assert text_named_field(name) is text
