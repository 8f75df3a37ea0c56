"""The OPS2 messages name the remedy of the ORM the linted code uses, Django or SQLAlchemy."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.loader import load_rules

from tests_lint_support import write_project  # type: ignore[import-not-found]

SQLALCHEMY_INCREMENT = """\
from sqlalchemy.orm import Session


class OrderService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def place(self, customer_id: int) -> None:
        with self.session.begin():
            customer = self.session.get(Customer, customer_id)
            customer.order_count = customer.order_count + 1
"""

DJANGO_INCREMENT = """\
def redeem(value):
    code = AccessCode.objects.get(code=value)
    code.times_used += 1
    code.save()
"""

SQLALCHEMY_CHECK_THEN_WRITE = """\
from sqlalchemy import select


def claim(session, seat_id, user):
    with session.begin():
        seat = session.execute(select(Seat).where(Seat.id == seat_id)).scalar_one()
        if seat.holder_id is not None:
            raise ValueError(seat_id)
        seat.holder_id = user.id
"""

DJANGO_CHECK_THEN_WRITE = """\
from django.db import transaction


def claim(seat_id, user):
    with transaction.atomic():
        seat = Seat.objects.get(pk=seat_id)
        if seat.holder_id is not None:
            raise ValueError(seat_id)
        seat.holder = user
        seat.save()
"""

SQLALCHEMY_NEXT_NUMBER = """\
from sqlalchemy import func, select


def add_invoice(session, shop_id):
    top = session.scalar(select(func.max(Invoice.number)).where(Invoice.shop_id == shop_id)) or 0
    session.add(Invoice(shop_id=shop_id, number=top + 1))
"""

DJANGO_NEXT_NUMBER = """\
from django.db.models import Max


def add_invoice(shop):
    top = Invoice.objects.filter(shop=shop).aggregate(top=Max("number"))["top"] or 0
    Invoice.objects.create(shop=shop, number=top + 1)
"""

SQLALCHEMY_INSERT_AFTER_CHECK = """\
def signup(email):
    if User.query.filter_by(email=email).first() is not None:
        return "taken", 409
    db.session.add(User(email=email))
    db.session.commit()
"""

DJANGO_INSERT_AFTER_CHECK = """\
def subscribe(user, plan):
    if Subscription.objects.filter(user=user, active=True).exists():
        raise ValueError("already subscribed")
    Subscription.objects.create(user=user, plan=plan, active=True)
"""

DJANGO_WORDS = ("select_for_update", "F(")
SQLALCHEMY_WORDS = ("with_for_update",)

CASES = [
    ("OPS202", SQLALCHEMY_INCREMENT, "sqlalchemy", ("update(Customer).values(order_count=Customer.order_count + n)",)),
    ("OPS202", DJANGO_INCREMENT, "django", ('update(times_used=F("times_used") + n)', "select_for_update()")),
    ("OPS201", SQLALCHEMY_CHECK_THEN_WRITE, "sqlalchemy", ("with_for_update()", "update(Seat).where(...).values(...)")),
    ("OPS201", DJANGO_CHECK_THEN_WRITE, "django", ("select_for_update()", "F()")),
    ("OPS205", SQLALCHEMY_NEXT_NUMBER, "sqlalchemy", ("with_for_update()",)),
    ("OPS205", DJANGO_NEXT_NUMBER, "django", ("select_for_update()",)),
    ("OPS207", SQLALCHEMY_INSERT_AFTER_CHECK, "sqlalchemy", ("with_for_update()",)),
    ("OPS207", DJANGO_INSERT_AFTER_CHECK, "django", ("select_for_update()",)),
]


def _messages(tmp_path: Path, source: str, code: str) -> list[str]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/code.py": source})
    result = lint_paths([root], use_cache=False)
    return [finding.message for finding in result.findings if finding.code == code]


@pytest.mark.parametrize(("code", "source", "orm", "remedies"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_ops2_message_names_orm_remedy(tmp_path: Path, code: str, source: str, orm: str, remedies: tuple[str, ...]) -> None:
    messages = _messages(tmp_path, source, code)
    assert len(messages) == 1, messages
    message = messages[0]
    for remedy in remedies:
        assert remedy in message
    foreign = DJANGO_WORDS if orm == "sqlalchemy" else SQLALCHEMY_WORDS
    for word in foreign:
        assert word not in message


def test_ops202_sqlalchemy_message_claims_no_save(tmp_path: Path) -> None:
    message = _messages(tmp_path, SQLALCHEMY_INCREMENT, "OPS202")[0]
    assert "saved" not in message
    assert "session.get(..., with_for_update=True)" in message


def test_ops2_alternative_messages_start_with_code() -> None:
    for rule in load_rules():
        for name in dir(rule):
            if name.endswith("MESSAGE"):
                assert getattr(rule, name).startswith(rule.code + " "), (rule.code, name)


#: Flask-SQLAlchemy and SQLAlchemy loads of one row that name its model class.
FLASK_SQLALCHEMY_LOADS = [
    "db.get_or_404(Expense, expense_id)",
    "db.session.get(Expense, expense_id)",
    "db.first_or_404(db.select(Expense).filter_by(id=expense_id))",
    "db.one_or_404(select(Expense).where(Expense.id == expense_id))",
    "Expense.query.get_or_404(expense_id)",
    "Expense.query.filter_by(id=expense_id).first_or_404()",
    "db.session.query(Expense).get(expense_id)",
    "Expense.query.get(expense_id)",
]


@pytest.mark.parametrize("load", FLASK_SQLALCHEMY_LOADS)
def test_ops201_update_names_loaded_model(tmp_path: Path, load: str) -> None:
    source = (
        "from flask_sqlalchemy import SQLAlchemy\n"
        "from sqlalchemy import select\n\n"
        "from app.models import Expense\n\n"
        "db = SQLAlchemy()\n\n\n"
        "def approve(expense_id):\n"
        f"    expense = {load}\n"
        "    if expense.state == 'new':\n"
        "        expense.state = 'approved'\n"
        "        db.session.commit()\n"
    )
    messages = _messages(tmp_path, source, "OPS201")
    assert len(messages) == 1, messages
    assert "update(Expense).where(...)" in messages[0]
    assert "update(Model)" not in messages[0]
