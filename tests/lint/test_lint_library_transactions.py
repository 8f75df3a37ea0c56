"""OPS101 inside the transactions of other database libraries: peewee, asyncpg, Tortoise, Pony."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

OTHER_ADVICE = "defer it until after commit with the framework's after-commit hook, or ctx.after_commit(...) in an opsgen operation"


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


def test_peewee_atomic_block(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from peewee import SqliteDatabase

        db = SqliteDatabase("shop.db")


        def place(order):
            with db.atomic():
                order.save()
                requests.post("https://example.invalid/hook", data=order.id)
            requests.post("https://example.invalid/done", data=order.id)
        """,
    )

    assert [f.line for f in findings] == [10]
    assert "inside the atomic() block at line 8" in findings[0].message
    assert findings[0].message.endswith(OTHER_ADVICE)
    assert findings[0].fix is None


def test_peewee_atomic_decorator(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from peewee import PostgresqlDatabase

        db = PostgresqlDatabase("shop")


        @db.atomic()
        def place(order):
            order.save()
            requests.post("https://example.invalid/hook", data=order.id)
        """,
    )

    assert [f.line for f in findings] == [10]
    assert "inside the transaction of place() (line 8)" in findings[0].message


def test_untyped_connection_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import httpx


        async def book(pool, room_id):
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await conn.execute("UPDATE rooms SET booked = true WHERE id = $1", room_id)
                    await httpx.AsyncClient().post("https://example.invalid/booked", json={"room": room_id})
        """,
    )

    assert [f.line for f in findings] == [8]
    assert "inside the transaction() block at line 6" in findings[0].message


def test_tortoise_in_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from tortoise.transactions import in_transaction


        async def transfer(source, target, amount):
            async with in_transaction():
                await source.save()
                await target.save()
                requests.post("https://example.invalid/transfers", json={"amount": amount})
        """,
    )

    assert [f.line for f in findings] == [9]


def test_pony_db_session_decorator(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from pony.orm import db_session


        @db_session
        def register(email):
            requests.post("https://example.invalid/crm", json={"email": email})
        """,
    )

    assert [f.line for f in findings] == [7]


def test_other_context_managers_open_nothing(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import threading

        import requests

        lock = threading.Lock()


        def notify(tracer, order):
            with lock, tracer.start_span("notify"):
                requests.post("https://example.invalid/hook", data=order.id)
        """,
    )

    assert findings == []
