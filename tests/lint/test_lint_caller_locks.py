"""OPS201 and OPS202 on a model method's own row, judged by the callers across the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

MODELS = """\
from django.db import models


class Wallet(models.Model):
    balance = models.IntegerField(default=0)

    def withdraw(self, amount):
        if self.balance < amount:
            raise ValueError(amount)
        self.balance -= amount
        self.save(update_fields=["balance"])
"""
WITHDRAW_LINE = 10

LOCKED_CALLER = """\
from django.db import transaction

from shop.models import Wallet


def pay_out(pk, amount):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=pk)
        wallet.withdraw(amount)
"""

PLAIN_CALLER = """\
from django.db import transaction

from shop.models import Wallet


def charge_fee(pk, amount):
    with transaction.atomic():
        wallet = Wallet.objects.get(pk=pk)
        wallet.withdraw(amount)
"""


def lint(root: Path, cache: bool = True) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings if f.code.startswith("OPS2")]


def project(tmp_path: Path, callers: dict[str, str]) -> Path:
    files = {"shop/__init__.py": "", "shop/models.py": MODELS, **{f"shop/{name}.py": text for name, text in callers.items()}}
    return write_project(tmp_path / "project", files)


REPORTED = [("models.py", WITHDRAW_LINE, "OPS202")]


def test_locked_caller_in_other_module_quiets(tmp_path: Path) -> None:
    root = project(tmp_path, {"payouts": LOCKED_CALLER})
    assert lint(root, cache=False) == []


def test_method_without_callers_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {})
    assert lint(root, cache=False) == REPORTED


def test_one_plain_caller_among_locked_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {"payouts": LOCKED_CALLER, "fees": PLAIN_CALLER})
    assert lint(root, cache=False) == REPORTED


def test_receivers_that_hold_no_lock(tmp_path: Path) -> None:
    bodies = {
        "parameter": "def pay_out(wallet, amount):\n    with transaction.atomic():\n        wallet.withdraw(amount)\n",
        "attribute": "def pay_out(request, amount):\n    with transaction.atomic():\n        request.user.wallet.withdraw(amount)\n",
        "no transaction": "def pay_out(pk, amount):\n    wallet = Wallet.objects.select_for_update().get(pk=pk)\n    wallet.withdraw(amount)\n",
        "lock block ended": (
            "def pay_out(pk, amount):\n"
            "    with transaction.atomic():\n"
            "        wallet = Wallet.objects.select_for_update().get(pk=pk)\n"
            "    with transaction.atomic():\n"
            "        wallet.withdraw(amount)\n"
        ),
        "rebound after the lock": (
            "def pay_out(pk, amount):\n"
            "    with transaction.atomic():\n"
            "        wallet = Wallet.objects.select_for_update().get(pk=pk)\n"
            "        wallet = Wallet.objects.get(pk=pk)\n"
            "        wallet.withdraw(amount)\n"
        ),
    }
    header = "from django.db import transaction\n\nfrom shop.models import Wallet\n\n\n"
    for name, body in bodies.items():
        root = project(tmp_path / name.replace(" ", "_"), {"payouts": LOCKED_CALLER, "other": header + body})
        assert lint(root, cache=False) == REPORTED, name


def test_atomic_decorator_holds_the_lock(tmp_path: Path) -> None:
    caller = (
        "from django.db import transaction\n\nfrom shop.models import Wallet\n\n\n"
        "@transaction.atomic\n"
        "def pay_out(pk, amount):\n"
        "    wallet = Wallet.objects.select_for_update().get(pk=pk)\n"
        "    wallet.withdraw(amount)\n"
    )
    root = project(tmp_path, {"payouts": caller})
    assert lint(root, cache=False) == []


def test_other_rows_of_the_method_stay_reported(tmp_path: Path) -> None:
    # The caller locks the wallet, not the account the method loads and changes.
    models = MODELS + (
        "\n    def move_to(self, account_pk, amount):\n"
        "        account = Account.objects.get(pk=account_pk)\n"
        "        account.total += amount\n"
        "        account.save()\n"
        "\n\nclass Account(models.Model):\n"
        "    total = models.IntegerField(default=0)\n"
    )
    caller = LOCKED_CALLER.replace("wallet.withdraw(amount)", "wallet.move_to(1, amount)")
    files = {"shop/__init__.py": "", "shop/models.py": models, "shop/payouts.py": caller}
    root = write_project(tmp_path / "project", files)
    assert ("models.py", 15, "OPS202") in lint(root, cache=False)


def test_warm_run_sees_new_plain_caller(tmp_path: Path) -> None:
    root = project(tmp_path, {"payouts": LOCKED_CALLER})
    assert lint(root) == []
    (root / "shop/fees.py").write_text(PLAIN_CALLER)
    assert lint(root) == REPORTED


def test_warm_run_sees_caller_change(tmp_path: Path) -> None:
    root = project(tmp_path, {"payouts": LOCKED_CALLER, "fees": PLAIN_CALLER})
    assert lint(root) == REPORTED
    (root / "shop/fees.py").write_text(PLAIN_CALLER.replace("objects.get(", "objects.select_for_update().get("))
    assert lint(root) == []
    (root / "shop/payouts.py").write_text(LOCKED_CALLER.replace("select_for_update().", ""))
    assert lint(root) == REPORTED


def test_warm_run_sees_first_caller(tmp_path: Path) -> None:
    root = project(tmp_path, {"payouts": "def pay_out(pk, amount):\n    return pk\n"})
    assert lint(root) == REPORTED
    (root / "shop/payouts.py").write_text(LOCKED_CALLER)
    assert lint(root) == []


FLASK_MODELS = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    credits = db.Column(db.Integer, nullable=False, default=0)

    def save(self):
        db.session.add(self)
        db.session.commit()

    def spend(self, amount):
        if self.credits < amount:
            raise ValueError(amount)
        self.credits -= amount
        self.save()
"""

FLASK_LOCKED_CALLER = """\
from shop.models import Account


def buy(account_id, price):
    account = Account.query.with_for_update().filter_by(id=account_id).one()
    account.spend(price)
"""


def test_with_for_update_caller_quiets(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/models.py": FLASK_MODELS, "shop/purchases.py": FLASK_LOCKED_CALLER}
    root = write_project(tmp_path / "project", files)
    assert lint(root, cache=False) == []


#: SQLAlchemy loads of one account. ``{keyword}`` and ``{step}`` mark where the row lock goes.
SESSION_LOADS = [
    "db.session.get(Account, account_id{keyword})",
    "db.session.execute(select(Account).where(Account.id == account_id){step}).scalar_one()",
    "db.session.scalars(select(Account).filter_by(id=account_id){step}).first()",
    "db.session.query(Account).filter_by(id=account_id){step}.one()",
    "db.session.query(Account).populate_existing(){step}.filter_by(id=account_id).one()",
]


def session_project(tmp_path: Path, load: str) -> Path:
    caller = "from sqlalchemy import select\n\nfrom shop.models import Account, db\n\n\ndef refund(account_id, price):\n"
    caller += f"    account = {load}\n    account.spend(-price)\n    db.session.commit()\n"
    files = {
        "shop/__init__.py": "",
        "shop/models.py": FLASK_MODELS,
        "shop/purchases.py": FLASK_LOCKED_CALLER,
        "shop/refunds.py": caller,
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("load", SESSION_LOADS)
def test_locking_session_load_quiets(load: str, tmp_path: Path) -> None:
    root = session_project(tmp_path, load.format(keyword=", with_for_update=True", step=".with_for_update()"))
    assert lint(root, cache=False) == []


@pytest.mark.parametrize("load", SESSION_LOADS)
def test_plain_session_load_is_reported(load: str, tmp_path: Path) -> None:
    root = session_project(tmp_path, load.format(keyword="", step=""))
    assert lint(root, cache=False) == [("models.py", 17, "OPS202")]


def test_lock_keyword_set_false_is_reported(tmp_path: Path) -> None:
    root = session_project(tmp_path, "db.session.get(Account, account_id, with_for_update=False)")
    assert lint(root, cache=False) == [("models.py", 17, "OPS202")]


def test_awaited_locking_execute_quiets(tmp_path: Path) -> None:
    caller = (
        "from sqlalchemy import select\n\nfrom shop.models import Account\n\n\n"
        "async def refund(session, account_id, price):\n"
        "    async with session.begin():\n"
        "        account = (await session.execute(select(Account).filter_by(id=account_id).with_for_update())).scalar_one()\n"
        "        account.spend(-price)\n"
    )
    files = {"shop/__init__.py": "", "shop/models.py": FLASK_MODELS, "shop/purchases.py": FLASK_LOCKED_CALLER, "shop/refunds.py": caller}
    root = write_project(tmp_path / "project", files)
    assert lint(root, cache=False) == []
