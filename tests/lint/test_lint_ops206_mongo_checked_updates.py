"""OPS206 reports a MongoDB field checked on a find_one() copy and then changed by an update
whose filter does not repeat the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

HEADER = """\
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import MongoClient

db = MongoClient().shop
adb = AsyncIOMotorClient().shop

"""

REPORTED = {
    "inc_after_raise": """
def withdraw(account_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    if account is None or account["balance"] < amount:
        raise ValueError(account_id)
    db.accounts.update_one({"_id": account["_id"]}, {"$inc": {"balance": -amount}})
""",
    "derived_name_find_one_and_update": """
def withdraw(account_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    balance = account.get("balance", 0)
    if balance < amount:
        raise ValueError(account_id)
    db.accounts.find_one_and_update({"_id": account_id}, {"$inc": {"balance": -amount}})
""",
    "motor_push_inside_if": """
async def join(group_id, user_id):
    group = await adb.groups.find_one({"_id": group_id})
    if len(group["members"]) < group["limit"]:
        await adb.groups.update_one({"_id": group_id}, {"$push": {"members": user_id}})
""",
    "set_of_variable": """
def claim(seat_id, user_id):
    seat = db.seats.find_one({"_id": seat_id})
    if seat["holder"] is not None:
        raise ValueError(seat_id)
    db.seats.update_one({"_id": seat_id}, {"$set": {"holder": user_id}})
""",
}

NOT_REPORTED = {
    "filter_repeats_check": """
def withdraw(account_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    if account["balance"] < amount:
        raise ValueError(account_id)
    result = db.accounts.update_one({"_id": account_id, "balance": {"$gte": amount}}, {"$inc": {"balance": -amount}})
    if result.matched_count == 0:
        raise ValueError(account_id)
""",
    "version_compared": """
def withdraw(account_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    if account["balance"] < amount:
        raise ValueError(account_id)
    db.accounts.update_one(
        {"_id": account["_id"], "version": account["version"]},
        {"$inc": {"balance": -amount, "version": 1}},
    )
""",
    "existence_check_only": """
def count_view(page_id):
    page = db.pages.find_one({"_id": page_id})
    if page is None:
        raise KeyError(page_id)
    db.pages.update_one({"_id": page_id}, {"$inc": {"views": 1}})
""",
    "set_of_constant": """
def close(ticket_id):
    ticket = db.tickets.find_one({"_id": ticket_id})
    if ticket["state"] == "closed":
        return
    db.tickets.update_one({"_id": ticket_id}, {"$set": {"state": "closed"}})
""",
    "other_document": """
def credit_other(account_id, other_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    if account["balance"] < amount:
        raise ValueError(account_id)
    db.accounts.update_one({"_id": other_id}, {"$inc": {"balance": amount}})
""",
    "check_does_not_guard": """
def withdraw(account_id, amount):
    account = db.accounts.find_one({"_id": account_id})
    if account["balance"] < amount:
        print(account_id)
    db.accounts.update_one({"_id": account_id}, {"$inc": {"balance": -amount}})
""",
    "under_lock": """
def withdraw(account_id, amount, lock):
    with lock:
        account = db.accounts.find_one({"_id": account_id})
        if account["balance"] < amount:
            raise ValueError(account_id)
        db.accounts.update_one({"_id": account_id}, {"$inc": {"balance": -amount}})
""",
}


def _ops206(tmp_path: Path, body: str) -> list[Finding]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/store.py": HEADER + body})
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS206"]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_checked_field_changed_reported(tmp_path: Path, name: str) -> None:
    findings = _ops206(tmp_path, REPORTED[name])

    assert [f.line for f in findings] == [9]
    assert "filter that does not repeat the check" in findings[0].message


def test_counter_remedy_names_bound(tmp_path: Path) -> None:
    (finding,) = _ops206(tmp_path, REPORTED["inc_after_raise"])

    assert '{"balance": {"$gte": n}}' in finding.message


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_checked_update_not_reported(tmp_path: Path, name: str) -> None:
    assert _ops206(tmp_path, NOT_REPORTED[name]) == []
