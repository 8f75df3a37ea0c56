"""OPS101 for raw driver transactions and for senders of other client libraries.

The transactions: a psycopg2 or sqlite3 connection used as a context manager, MongoDB's
``start_transaction()`` and the callback of its ``with_transaction()``, zope's
``transaction.manager``, and the implicit transaction
that a sqlite3 or aiosqlite write opens until ``commit()``. The senders: aioboto3
clients, nats-py and JetStream publishes, Azure Service Bus senders, pyramid_mailer's
immediate sends and smart_open writes to remote storage.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


def test_psycopg2_connection_block(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import psycopg2
        import requests


        def close_account(dsn, account_id):
            link = psycopg2.connect(dsn)
            with link:
                with link.cursor() as c:
                    c.execute("UPDATE accounts SET closed = true WHERE id = %s", (account_id,))
                requests.post("https://example.invalid/closed", json={"id": account_id})
            requests.post("https://example.invalid/done", json={"id": account_id})
        """,
    )

    assert [f.line for f in findings] == [10]
    assert "inside the connection's with block at line 7" in findings[0].message


def test_sqlite3_connect_block(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import sqlite3
        import smtplib


        def register(path, email):
            with sqlite3.connect(path) as database:
                database.execute("INSERT INTO members (email) VALUES (?)", (email,))
                smtplib.SMTP("localhost").sendmail("a@example.org", [email], "hi")
        """,
    )

    assert [f.line for f in findings] == [8]


def test_closing_connection_is_no_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import contextlib
        import sqlite3

        import requests


        def report(path):
            with contextlib.closing(sqlite3.connect(path)) as database:
                rows = database.execute("SELECT count(*) FROM members").fetchall()
                requests.post("https://example.invalid/count", json=rows)
        """,
    )

    assert findings == []


def test_motor_start_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import httpx
        from motor.motor_asyncio import AsyncIOMotorClient

        mongo = AsyncIOMotorClient()


        async def ship(order_id):
            async with await mongo.start_session() as s:
                async with s.start_transaction():
                    await mongo.shop.orders.update_one({"_id": order_id}, {"$set": {"shipped": True}}, session=s)
                    await httpx.AsyncClient().post("https://example.invalid/shipped", json={"id": order_id})
        """,
    )

    assert [f.line for f in findings] == [11]
    assert "start_transaction() block at line 9" in findings[0].message


def test_sentry_start_transaction_is_a_trace(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        import sentry_sdk


        def sync_catalog(items):
            with sentry_sdk.start_transaction(op="task", name="sync_catalog"):
                for item in items:
                    requests.post("https://example.invalid/items", json=item)
        """,
    )

    assert findings == []


def test_zope_transaction_manager_and_pyramid_mailer(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import transaction
        from pyramid_mailer.mailer import Mailer

        postman = Mailer.from_settings({})


        def approve(dbsession, request_id, message):
            with transaction.manager:
                dbsession.execute("UPDATE requests SET approved = true")
                postman.send(message)
                postman.send_to_queue(message)
                postman.send_immediately(message)
        """,
    )

    assert [f.line for f in findings] == [12]
    assert "inside the transaction.manager block at line 8" in findings[0].message


def test_jetstream_publish(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import nats


        async def settle(pool, invoice_id):
            client = await nats.connect("nats://127.0.0.1:4222")
            stream = client.jetstream()
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await conn.execute("UPDATE invoices SET settled = true WHERE id = $1", invoice_id)
                    await stream.publish("invoices.settled", b"1")
                    await client.publish("invoices.audit", b"1")
        """,
    )

    assert [f.line for f in findings] == [10, 11]
    assert "broker publish" in findings[0].message


def test_aioboto3_resource_and_client(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import aioboto3
        from sqlalchemy.ext.asyncio import AsyncSession


        async def archive(session: AsyncSession, report):
            aws = aioboto3.Session()
            async with session.begin():
                session.add(report)
                async with aws.resource("s3") as storage:
                    bucket = await storage.Bucket("reports")
                    await bucket.put_object(Key=str(report.id), Body=b"")
                async with aws.client("sns") as notifier:
                    await notifier.publish(TopicArn="arn:aws:sns:eu-west-1:1:reports", Message="done")
        """,
    )

    assert [f.line for f in findings] == [11, 13]
    assert "AWS call (aioboto3.Session().resource().Bucket().put_object)" in findings[0].message
    assert "AWS call (aioboto3.Session().client().publish)" in findings[1].message


def test_service_bus_topic_sender(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        from azure.servicebus import ServiceBusClient, ServiceBusMessage
        from django.db import transaction

        bus = ServiceBusClient.from_connection_string("Endpoint=sb://example.invalid/")


        def cancel(order):
            with transaction.atomic():
                order.save()
                with bus.get_topic_sender(topic_name="orders") as out:
                    out.send_messages(ServiceBusMessage(str(order.pk)))
        """,
    )

    assert [f.line for f in findings] == [11]
    assert "broker publish" in findings[0].message


def test_smart_open_write_modes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import smart_open
        from django.db import transaction


        @transaction.atomic
        def export(report, target):
            report.save()
            with smart_open.open(target, "wb") as remote:
                remote.write(b"")
            with smart_open.open(target) as source:
                source.read()
            with smart_open.open("exports/local.csv", "w") as local:
                local.write("")
            with smart_open.open("gs://exports/report.csv", "w") as remote_literal:
                remote_literal.write("")
        """,
    )

    assert [f.line for f in findings] == [8, 14]
    assert "smart_open.open() is a remote storage write" in findings[0].message


def test_nats_client_kept_on_self(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import asyncio

        import nats


        class TicketService:
            async def close(self, pool, ticket_id):
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("UPDATE tickets SET state = 'closed' WHERE id = $1", ticket_id)
                    await self.nc.publish("tickets.closed", str(ticket_id).encode())
                    await self.js.publish("tickets.audit", str(ticket_id).encode())

            async def start(self, url):
                self.nc = await asyncio.wait_for(nats.connect(url), timeout=5)
                self.js = self.nc.jetstream()
        """,
    )

    assert [f.line for f in findings] == [10, 11]
    assert "(nats.connect().publish)" in findings[0].message
    assert "(nats.connect().jetstream().publish)" in findings[1].message


def test_psycopg_connection_kept_on_self(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import psycopg
        import requests


        class Tickets:
            def __init__(self, dsn, audit_dsn):
                self.conn = psycopg.connect(dsn)
                self.audit = psycopg.connect(audit_dsn)
                self.audit.set_autocommit(True)

            def close(self, ticket_id):
                self.conn.execute("UPDATE tickets SET state = 'closed' WHERE id = %s", (ticket_id,))
                requests.post("https://example.invalid/closed", json={"id": ticket_id})
                self.conn.commit()

            def log(self, ticket_id):
                self.audit.execute("INSERT INTO audit (ticket_id) VALUES (%s)", (ticket_id,))
                requests.post("https://example.invalid/logged", json={"id": ticket_id})

            def close_in_block(self, ticket_id):
                with self.conn.transaction():
                    self.conn.execute("UPDATE tickets SET state = 'closed' WHERE id = %s", (ticket_id,))
                    requests.post("https://example.invalid/closed", json={"id": ticket_id})
        """,
    )

    assert [f.line for f in findings] == [13, 23]
    assert "the self.conn transaction begun by the write at line 12" in findings[0].message


def test_mongo_with_transaction_callbacks(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from pymongo import MongoClient

        client = MongoClient()


        def reserve(session, seat):
            client.shows.seats.update_one({"_id": seat}, {"$set": {"taken": True}}, session=session)
            requests.post("https://example.invalid/reserved", json={"seat": seat})


        class Booking:
            def _pay(self, session):
                client.shows.payments.insert_one({"paid": True}, session=session)
                requests.post("https://example.invalid/paid")

            def book(self, seat):
                with client.start_session() as session:
                    session.with_transaction(lambda s: reserve(s, seat))
                    session.with_transaction(self._pay)
                requests.post("https://example.invalid/booked", json={"seat": seat})
        """,
    )

    assert [f.line for f in findings] == [9, 15]
    assert "inside the transaction that with_transaction() runs reserve() in" in findings[0].message


def test_smart_open_keyword_modes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        from django.db import transaction
        from smart_open import open as open_uri


        @transaction.atomic
        def export(report, target):
            report.save()
            with open_uri(target, mode="w") as remote:
                remote.write("")
            with open_uri("s3://exports/report.csv", mode="ab") as remote_literal:
                remote_literal.write(b"")
            with open_uri(target, mode="rb") as source:
                source.read()
            with open_uri("exports/local.csv", mode="w", encoding="utf-8") as local:
                local.write("")
            with open_uri(target, encoding="utf-8") as default_mode:
                default_mode.read()
        """,
    )

    assert [f.line for f in findings] == [8, 10]
    assert "open_uri() is a remote storage write (smart_open.open)" in findings[0].message


def test_sqlite3_cursor_write_until_commit(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import sqlite3

        import requests


        def rename(path, old, new):
            link = sqlite3.connect(path)
            requests.post("https://example.invalid/before", json={"old": old})
            cur = link.cursor()
            cur.execute("UPDATE tags SET name = ? WHERE name = ?", (new, old))
            requests.post("https://example.invalid/renamed", json={"new": new})
            link.commit()
            requests.post("https://example.invalid/after", json={"new": new})
        """,
    )

    assert [f.line for f in findings] == [11]
    assert "inside the link transaction begun by the write at line 10" in findings[0].message


def test_aiosqlite_read_opens_no_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import aiosqlite
        import httpx


        async def count(path):
            async with aiosqlite.connect(path) as db:
                await db.execute("SELECT count(*) FROM uploads")
                await httpx.AsyncClient().post("https://example.invalid/count")
        """,
    )

    assert findings == []


def test_psycopg2_write_until_commit(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import psycopg2
        import requests


        def refund(dsn, payment_id):
            conn = psycopg2.connect(dsn)
            with conn.cursor() as cur:
                cur.execute("UPDATE payments SET refunded = true WHERE id = %s", (payment_id,))
                requests.post("https://example.invalid/refunded", json={"id": payment_id})
            conn.commit()
            requests.post("https://example.invalid/done", json={"id": payment_id})
        """,
    )

    assert [f.line for f in findings] == [9]
    assert "inside the conn transaction begun by the write at line 8" in findings[0].message
    assert findings[0].message.endswith("move it below the connection's commit() or out of its with block, or run it from an opsgen operation that declares it as an effect")


def test_autocommit_connections_open_no_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import psycopg
        import psycopg2
        import pymysql
        import sqlite3

        import requests


        def attribute(dsn):
            conn = psycopg2.connect(dsn)
            conn.autocommit = True
            conn.cursor().execute("DELETE FROM sessions")
            requests.post("https://example.invalid/a")


        def keyword(dsn):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("DELETE FROM sessions")
                requests.post("https://example.invalid/b")


        def method(host):
            conn = pymysql.connect(host=host)
            conn.autocommit(True)
            conn.cursor().execute("DELETE FROM sessions")
            requests.post("https://example.invalid/c")


        def isolation_level(path):
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("DELETE FROM sessions")
            requests.post("https://example.invalid/d")
        """,
    )

    assert findings == []


def test_psycopg3_transaction_block_commits_its_writes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import psycopg
        import requests


        def close(dsn, ticket_id):
            conn = psycopg.connect(dsn)
            with conn.transaction():
                conn.execute("UPDATE tickets SET closed = true WHERE id = %s", (ticket_id,))
            requests.post("https://example.invalid/closed", json={"id": ticket_id})
        """,
    )

    assert findings == []


def test_zope_transaction_advice(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        import transaction


        def approve(dbsession, request_id):
            with transaction.manager:
                dbsession.execute("UPDATE requests SET approved = true")
                requests.post("https://example.invalid/approved", json={"id": request_id})
        """,
    )

    assert [f.line for f in findings] == [8]
    assert findings[0].message.endswith("defer it with transaction.get().addAfterCommitHook(...) or, for an e-mail, pyramid_mailer's send(), which delivers at commit")


def test_object_storage_writes(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import fsspec
        import s3fs
        from azure.storage.blob import BlobServiceClient
        from django.db import transaction
        from google.cloud import storage
        from minio import Minio

        gcs = storage.Client()
        azure = BlobServiceClient.from_connection_string("UseDevelopmentStorage=true")
        store = Minio("127.0.0.1:9000")
        s3 = s3fs.S3FileSystem()


        @transaction.atomic
        def publish(report, path):
            report.save()
            blob = gcs.bucket("reports").blob(str(report.pk))
            blob.upload_from_string("")
            azure.get_blob_client("reports", str(report.pk)).upload_blob(b"")
            store.put_object("reports", str(report.pk), None, 0)
            s3.pipe("reports/latest", b"")
            with s3.open("reports/copy", "wb") as copy:
                copy.write(b"")
            with fsspec.open("gs://reports/latest.csv", "w") as remote:
                remote.write("")
            with fsspec.open(path, "w") as local:
                local.write("")
            gcs.bucket("reports").get_blob("latest")
        """,
    )

    assert [f.line for f in findings] == [18, 19, 20, 21, 22, 24]
    assert all("remote storage write" in f.message for f in findings)
