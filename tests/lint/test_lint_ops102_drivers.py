"""OPS102 on raw database drivers, MongoDB, and peewee or Tortoise models imported from elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]


def _ops102(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/service.py": source})
    findings = lint_paths([root], use_cache=False).findings
    return [(f.line, f.message) for f in findings if f.code == "OPS102"]


REPORTED = {
    "psycopg-autocommit-argument": (
        """\
        import psycopg

        def pay(dsn, invoice_id, amount):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
        """,
        5,
        "with conn.transaction():",
    ),
    "psycopg-set-autocommit": (
        """\
        from psycopg import AsyncConnection

        async def pay(dsn, invoice_id):
            conn = await AsyncConnection.connect(dsn)
            await conn.set_autocommit(True)
            await conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
            await conn.execute("DELETE FROM reminders WHERE invoice_id = %s", (invoice_id,))
        """,
        6,
        "conn.transaction()",
    ),
    "asyncpg-annotated-connection": (
        """\
        import asyncpg

        async def close(conn: asyncpg.Connection, ticket_id):
            await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
            await conn.execute("INSERT INTO ticket_events (ticket_id, kind) VALUES ($1, 'closed')", ticket_id)
        """,
        4,
        "async with conn.transaction():",
    ),
    "asyncpg-module-constant-text": (
        """\
        import asyncpg

        MARK_SHIPPED = "UPDATE orders SET shipped = TRUE WHERE id = $1"

        async def ship(dsn, order_ids):
            conn = await asyncpg.connect(dsn)
            for order_id in order_ids:
                await conn.execute(MARK_SHIPPED, order_id)
        """,
        8,
        "async with conn.transaction():",
    ),
    "psycopg2-set-session": (
        """\
        import psycopg2

        def archive(dsn, project_id):
            conn = psycopg2.connect(dsn)
            conn.set_session(autocommit=True)
            with conn.cursor() as cur:
                cur.execute("INSERT INTO archive SELECT * FROM projects WHERE id = %s", (project_id,))
                cur.execute("DELETE FROM projects WHERE id = %s", (project_id,))
        """,
        7,
        "with conn:",
    ),
    "databases-core-statements": (
        """\
        from databases import Database
        from app.tables import bans, users

        database = Database("postgresql://localhost/forum")

        async def ban(user_id, reason):
            await database.execute(users.update().where(users.c.id == user_id).values(banned=True))
            await database.execute(query=bans.insert().values(user_id=user_id, reason=reason))
        """,
        7,
        "async with database.transaction():",
    ),
    "databases-object-of-another-module": (
        """\
        from app.db import database
        from app.tables import notes, tags

        async def create_note(text, tag):
            note_id = await database.execute(notes.insert().values(text=text))
            await database.execute(tags.insert().values(note_id=note_id, name=tag))
        """,
        5,
        "async with database.transaction():",
    ),
    "sqlite3-commit-after-each": (
        """\
        import sqlite3

        def rename(path, old, new):
            conn = sqlite3.connect(path)
            conn.execute("INSERT INTO tags (name) VALUES (?)", (new,))
            conn.commit()
            conn.execute("DELETE FROM tags WHERE name = ?", (old,))
            conn.commit()
        """,
        5,
        "call commit() once, after the last write",
    ),
    "peewee-imported-models": (
        """\
        from peewee import SqliteDatabase
        from app.models import Profile, User

        db = SqliteDatabase("app.db")

        def sign_up(email, handle):
            user = User.create(email=email)
            Profile.create(user=user, handle=handle)
        """,
        7,
        "db.atomic()",
    ),
    "tortoise-awaited-class-writes": (
        """\
        from app.models import Order, Shipment

        async def dispatch(order_id, tracking):
            await Shipment.create(order_id=order_id, tracking=tracking)
            await Order.filter(id=order_id).delete()
        """,
        4,
        "in_transaction()",
    ),
    "asyncpg-pool-of-the-application": (
        """\
        import asyncpg

        async def close(request, ticket_id):
            async with request.app["pool"].acquire() as conn:
                await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
                await conn.execute("INSERT INTO ticket_events (ticket_id) VALUES ($1)", ticket_id)
        """,
        5,
        "async with conn.transaction():",
    ),
    "psycopg2-isolation-level-formatted-text": (
        """\
        import psycopg2
        from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

        def move(dsn, table, row_id):
            conn = psycopg2.connect(dsn)
            conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
            cur = conn.cursor()
            cur.execute("INSERT INTO {}_archive SELECT * FROM {} WHERE id = %s".format(table, table), (row_id,))
            cur.execute(f"DELETE FROM {table} WHERE id = %s", (row_id,))
        """,
        8,
        "with conn:",
    ),
    "peewee-models-of-another-module": (
        """\
        import peewee
        from app.db import Account, Token

        def close_account(account_id):
            Token.delete().where(Token.account == account_id).execute()
            Account.get_by_id(account_id).delete_instance()
        """,
        5,
        "db.atomic()",
    ),
    "tortoise-instance-save-then-create": (
        """\
        from tortoise.transactions import in_transaction
        from app.entities import Order, Shipment

        async def dispatch(order_id, tracking):
            order = await Order.get(id=order_id)
            order.status = "dispatched"
            await order.save()
            await Shipment.create(order=order, tracking=tracking)
        """,
        7,
        "in_transaction()",
    ),
    # The module's factory opens sqlite3 in autocommit mode, and the connection is passed in.
    "sqlite3-factory-autocommit-parameter": (
        """\
        import sqlite3

        def connect(path):
            conn = sqlite3.connect(path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            return conn

        def archive(conn, note_id):
            cursor = conn.cursor()
            cursor.execute("INSERT INTO archived_notes SELECT * FROM notes WHERE id = ?", (note_id,))
            cursor.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        """,
        10,
        'execute("BEGIN")',
    ),
    "mongo-two-collections": (
        """\
        from pymongo import MongoClient

        client = MongoClient()

        def lend(book_id, reader_id):
            client.library.books.update_one({"_id": book_id}, {"$set": {"lent_to": reader_id}})
            client.library.loans.insert_one({"book_id": book_id, "reader_id": reader_id})
        """,
        6,
        "start_transaction()",
    ),
    "psycopg-two-transaction-blocks": (
        """\
        import psycopg

        def pay(dsn, invoice_id, amount):
            with psycopg.connect(dsn) as conn:
                with conn.transaction():
                    conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                with conn.transaction():
                    conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
        """,
        5,
        "with conn.transaction():",
    ),
    "asyncpg-two-transaction-blocks-on-self": (
        """\
        import asyncpg

        class Ledger:
            async def start(self, dsn):
                self.pool = await asyncpg.create_pool(dsn)

            async def pay(self, invoice_id, amount):
                async with self.pool.acquire() as conn:
                    async with conn.transaction():
                        await conn.execute("UPDATE invoices SET paid = TRUE WHERE id = $1", invoice_id)
                    async with conn.transaction():
                        await conn.execute("INSERT INTO payments (invoice_id, amount) VALUES ($1, $2)", invoice_id, amount)
        """,
        9,
        "async with conn.transaction():",
    ),
    "psycopg-connection-on-self-committed-twice": (
        """\
        import psycopg

        class Ledger:
            def __init__(self, dsn):
                self.conn = psycopg.connect(dsn)

            def pay(self, invoice_id, amount):
                self.conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                self.conn.commit()
                self.conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
                self.conn.commit()
        """,
        8,
        "call commit() once, after the last write",
    ),
    "psycopg-connection-on-self-set-autocommit": (
        """\
        import psycopg

        class Ledger:
            def open(self, dsn):
                self.conn = psycopg.connect(dsn)
                self.conn.set_autocommit(True)

            def pay(self, invoice_id, amount):
                self.conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                self.conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
        """,
        9,
        "with conn.transaction():",
    ),
}


@pytest.mark.parametrize(("source", "line", "remedy"), list(REPORTED.values()), ids=list(REPORTED))
def test_ops102_driver_writes_reported(tmp_path: Path, source: str, line: int, remedy: str) -> None:
    findings = _ops102(tmp_path, source)

    assert [found_line for found_line, _ in findings] == [line], findings
    assert remedy in findings[0][1].partition("; ")[2]


NOT_REPORTED = {
    # psycopg 3 without autocommit commits both when the with block ends.
    "psycopg-default-mode": """\
        import psycopg

        def pay(dsn, invoice_id, amount):
            with psycopg.connect(dsn) as conn:
                conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
        """,
    "asyncpg-transaction-block": """\
        import asyncpg

        async def close(pool: asyncpg.Pool, ticket_id):
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
                await conn.execute("INSERT INTO ticket_events (ticket_id) VALUES ($1)", ticket_id)
        """,
    "asyncpg-reads-and-one-write": """\
        import asyncpg

        async def close(conn: asyncpg.Connection, ticket_id):
            row = await conn.fetchrow("SELECT * FROM tickets WHERE id = $1", ticket_id)
            await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
            return row
        """,
    "asyncpg-helper-called-in-transaction": """\
        import asyncpg

        async def _close(conn: asyncpg.Connection, ticket_id):
            await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
            await conn.execute("INSERT INTO ticket_events (ticket_id) VALUES ($1)", ticket_id)

        async def close(conn: asyncpg.Connection, ticket_id):
            async with conn.transaction():
                await _close(conn, ticket_id)
        """,
    "asyncpg-writes-in-exclusive-arms": """\
        import asyncpg

        async def toggle(conn: asyncpg.Connection, ticket_id, close):
            if close:
                await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
            else:
                await conn.execute("UPDATE tickets SET closed = FALSE WHERE id = $1", ticket_id)
        """,
    "databases-transaction-decorator": """\
        from databases import Database

        database = Database("postgresql://localhost/forum")

        @database.transaction()
        async def ban(user_id, reason):
            await database.execute("UPDATE users SET banned = TRUE WHERE id = :id", {"id": user_id})
            await database.execute("INSERT INTO bans (user_id, reason) VALUES (:u, :r)", {"u": user_id, "r": reason})
        """,
    "aiosqlite-one-commit": """\
        import aiosqlite

        async def rename(path, old, new):
            async with aiosqlite.connect(path) as db:
                await db.execute("INSERT INTO tags (name) VALUES (?)", (new,))
                await db.execute("DELETE FROM tags WHERE name = ?", (old,))
                await db.commit()
        """,
    # Tweet.delete() builds the statement that execute() runs: one write, not two.
    "peewee-single-delete-statement": """\
        from peewee import CharField, Model, SqliteDatabase

        db = SqliteDatabase("app.db")

        class Tweet(Model):
            user = CharField()

        def purge(user_id):
            Tweet.delete().where(Tweet.user == user_id).execute()
        """,
    "peewee-single-delete-of-imported-model": """\
        from peewee import SqliteDatabase
        from app.models import Tweet

        db = SqliteDatabase("app.db")

        def purge(user_id):
            Tweet.delete().where(Tweet.user == user_id).execute()
        """,
    "asyncpg-transaction-started-by-hand": """\
        import asyncpg

        async def close(conn: asyncpg.Connection, ticket_id):
            tr = conn.transaction()
            await tr.start()
            await conn.execute("UPDATE tickets SET closed = TRUE WHERE id = $1", ticket_id)
            await conn.execute("INSERT INTO ticket_events (ticket_id) VALUES ($1)", ticket_id)
            await tr.commit()
        """,
    "peewee-stripe-create-and-one-write": """\
        import peewee
        import stripe
        from app.db import Account

        def subscribe(account_id, price):
            stripe.Subscription.create(customer=account_id, items=[{"price": price}])
            Account.update(subscribed=True).where(Account.id == account_id).execute()
        """,
    "mongo-session-transaction": """\
        from pymongo import MongoClient

        client = MongoClient()

        def lend(book_id, reader_id):
            with client.start_session() as s, s.start_transaction():
                client.library.books.update_one({"_id": book_id}, {"$set": {"lent_to": reader_id}}, session=s)
                client.library.loans.insert_one({"book_id": book_id, "reader_id": reader_id}, session=s)
        """,
    # BEGIN and COMMIT by hand on an autocommit connection make one transaction.
    "sqlite3-factory-begin-commit": """\
        import sqlite3

        def connect(path):
            return sqlite3.connect(path, isolation_level=None)

        def archive(conn, note_id):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO archived_notes SELECT * FROM notes WHERE id = ?", (note_id,))
                conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        """,
    # sqlite3's default mode opens a transaction that the one commit() ends.
    "sqlite3-factory-default-mode": """\
        import sqlite3

        def connect(path):
            return sqlite3.connect(path)

        def archive(conn, note_id):
            conn.execute("INSERT INTO archived_notes SELECT * FROM notes WHERE id = ?", (note_id,))
            conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            conn.commit()
        """,
    # Expired documents left by a failure midway are deleted by the next run.
    "mongo-cleanup-of-two-collections": """\
        from pymongo import MongoClient

        client = MongoClient()

        def cleanup(cutoff):
            client.results.meta.delete_many({"date_done": {"$lt": cutoff}})
            client.results.groups.delete_many({"date_done": {"$lt": cutoff}})
        """,
    "psycopg-connection-on-self-one-transaction": """\
        import psycopg

        class Ledger:
            def __init__(self, dsn):
                self.conn = psycopg.connect(dsn, autocommit=True)

            def pay(self, invoice_id, amount):
                with self.conn.transaction():
                    self.conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                    self.conn.execute("INSERT INTO payments (invoice_id, amount) VALUES (%s, %s)", (invoice_id, amount))
        """,
    "psycopg-transaction-block-then-read-block": """\
        import psycopg

        def pay(dsn, invoice_id):
            with psycopg.connect(dsn) as conn:
                with conn.transaction():
                    conn.execute("UPDATE invoices SET paid = TRUE WHERE id = %s", (invoice_id,))
                with conn.transaction():
                    return conn.execute("SELECT paid FROM invoices WHERE id = %s", (invoice_id,)).fetchone()
        """,
    "asyncpg-transaction-block-per-item": """\
        import asyncpg

        async def pay_all(pool: asyncpg.Pool, invoice_ids):
            async with pool.acquire() as conn:
                for invoice_id in invoice_ids:
                    async with conn.transaction():
                        await conn.execute("UPDATE invoices SET paid = TRUE WHERE id = $1", invoice_id)
        """,
    "mongo-one-write": """\
        from pymongo import MongoClient

        client = MongoClient()

        def lend(book_id, reader_id):
            book = client.library.books.find_one({"_id": book_id})
            client.library.books.update_one({"_id": book_id}, {"$set": {"lent_to": reader_id}})
            return book
        """,
}


@pytest.mark.parametrize("source", list(NOT_REPORTED.values()), ids=list(NOT_REPORTED))
def test_ops102_driver_writes_not_reported(tmp_path: Path, source: str) -> None:
    assert _ops102(tmp_path, source) == []
