"""OPS102 reports the first write's real column and names the remedy of the library in use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

#: Two commits on an indented line: the first transaction starts at ``session.add(source)``.
SQLALCHEMY_TRANSFER = """\
from sqlalchemy.orm import Session


class Ledger:
    def transfer(self, session: Session, source, target, amount):
        if amount:
            source.balance -= amount
            session.add(source)
            session.commit()
            target.balance += amount
            session.add(target)
            session.commit()
"""

FLASK_SQLALCHEMY_TRANSFER = """\
from app.extensions import db


def transfer(source, target, amount):
    source.balance -= amount
    db.session.add(source)
    db.session.commit()
    target.balance += amount
    db.session.add(target)
    db.session.commit()
"""

DJANGO_PLACE_ORDER = """\
from orders.models import Order, OrderLine


def place_order(customer, cart):
    order = Order.objects.create(customer=customer)
    for item in cart.items:
        OrderLine.objects.create(order=order, sku=item.sku)
"""

PEEWEE_PLACE_ORDER = """\
import peewee

from app.models import Order, OrderLine


def place_order(customer, skus):
    order = Order.create(customer=customer)
    OrderLine.insert_many([{"order": order, "sku": sku} for sku in skus]).execute()
"""


#: The peewee models that PEEWEE_PLACE_ORDER writes through.
PEEWEE_MODELS = """\
import peewee


class Order(peewee.Model):
    customer = peewee.CharField()


class OrderLine(peewee.Model):
    sku = peewee.CharField()
"""


def _ops102(tmp_path: Path, source: str) -> list[tuple[int, int, str]]:
    files = {"app/__init__.py": "", "app/services.py": source, "app/models.py": PEEWEE_MODELS}
    root = write_project(tmp_path / "project", files)
    findings = lint_paths([root], use_cache=False).findings
    return [(f.line, f.column, f.message) for f in findings if f.code == "OPS102"]


def test_ops102_commit_transaction_column_is_first_write(tmp_path: Path) -> None:
    findings = _ops102(tmp_path, SQLALCHEMY_TRANSFER)

    assert [(line, column) for line, column, _ in findings] == [(8, 12)]


def test_ops102_column_in_every_output_format(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/services.py": SQLALCHEMY_TRANSFER})
    command = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache", "--select", "OPS102"]

    def run(*options: str) -> str:
        completed = subprocess.run([*command, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)
        assert completed.returncode == 1, completed.stderr
        return completed.stdout

    assert run().startswith("app/services.py:8:13: OPS102 ")
    assert [(f["line"], f["column"]) for f in json.loads(run("--format", "json"))] == [(8, 13)]
    sarif = json.loads(run("--format", "sarif"))
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (8, 13)


def test_ops102_loaded_row_change_column(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy import select\n\n\n"
        "def settle(session, account_id, invoice):\n"
        "    account = session.execute(select(Account).where(Account.id == account_id)).scalar_one()\n"
        "    if invoice:\n"
        "        account.balance = 0\n"
        "        session.commit()\n"
        "        session.add(invoice)\n"
        "        session.commit()\n"
    )

    findings = _ops102(tmp_path, source)

    assert [(line, column) for line, column, _ in findings] == [(7, 8)]


@pytest.mark.parametrize(
    ("source", "remedy", "foreign"),
    [
        (SQLALCHEMY_TRANSFER, "wrap them in one with session.begin(): block (engine.begin() for a connection)", ("transaction.atomic()", "db.session")),
        (FLASK_SQLALCHEMY_TRANSFER, "commit once, after the last write, or wrap them in with db.session.begin():", ("transaction.atomic()",)),
        (DJANGO_PLACE_ORDER, "wrap them in transaction.atomic()", ("session",)),
        (PEEWEE_PLACE_ORDER, "wrap them in with db.atomic(): or decorate the function with @db.atomic()", ("transaction.atomic()", "session")),
    ],
    ids=["sqlalchemy", "flask-sqlalchemy", "django", "peewee"],
)
def test_ops102_remedy_follows_library(tmp_path: Path, source: str, remedy: str, foreign: tuple[str, ...]) -> None:
    findings = _ops102(tmp_path, source)

    assert len(findings) == 1, findings
    message = findings[0][2]
    assert message.endswith(remedy)
    for word in foreign:
        assert word not in message.partition("; ")[2]


def test_ops102_helpers_through_db_session_get_flask_remedy(tmp_path: Path) -> None:
    source = (
        "from app.extensions import db\n\n\n"
        "def create_user(email):\n"
        "    user = User(email=email)\n"
        "    db.session.add(user)\n"
        "    db.session.commit()\n"
        "    return user\n\n\n"
        "def create_wallet(user):\n"
        "    db.session.add(Wallet(user_id=user.id))\n"
        "    db.session.commit()\n\n\n"
        "def register(email):\n"
        "    user = create_user(email)\n"
        "    create_wallet(user)\n"
    )

    findings = _ops102(tmp_path, source)

    assert [(line, column) for line, column, _ in findings] == [(17, 11)]
    assert "db.session.begin()" in findings[0][2]
