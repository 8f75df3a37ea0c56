"""Benchmark trigger-based audit capture against no audit and against SQLAlchemy-Continuum.

Measures, in one run and on the same database server:

* a single-row UPDATE in its own transaction (Core and ORM): without audit, with opsgen
  audit (row and statement capture, context set in each transaction), and with
  SQLAlchemy-Continuum. Continuum runs in a child process, because its session
  listeners are global and would slow the other measurements;
* one bulk UPDATE of every row of a large table, with audit off and on, and the same
  change made through Continuum, which records only changes made to loaded ORM objects;
* bytes stored per narrow change, against a full-row JSON snapshot per change and
  against Continuum's version table;
* the first page of the history of one entity that has 100,000 versions.

Usage::

    .venv/bin/python benchmarks/bench_audit.py            # 200,000-row bulk update
    .venv/bin/python benchmarks/bench_audit.py --quick    # smaller counts, for a smoke run

PostgreSQL comes from ``--postgres-url`` (a server URL; a scratch database is created
and dropped); SQLite runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session

from opsgen.audit import AuditConfig, AuditContext, AuditedEntity, history, install_audit, set_audit_context

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def plan_columns() -> list[sa.Column[Any]]:
    """Return the columns of a realistic, fairly wide billing plan row (about 700 bytes)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interval_days", sa.Integer, nullable=False),
        sa.Column("trial_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_email", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("tax_rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("discount_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("external_ref", sa.String(64), nullable=False),
        sa.Column("card_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    ]


def plan_row(number: int) -> dict[str, Any]:
    return {
        "id": number,
        "name": f"Plan {number}",
        "description": "Monthly subscription with priority support, usage reports and invoices by email. " * 2,
        "amount": Decimal("49.90"),
        "currency": "EUR",
        "interval_days": 30,
        "trial_days": 14,
        "status": "active",
        "owner_email": f"owner{number}@example.com",
        "notes": "Migrated from the legacy billing system; keep the grandfathered price until renewal. " * 2,
        "tax_rate": Decimal("20.00"),
        "discount_pct": Decimal("0.00"),
        "external_ref": uuid.UUID(int=number).hex,
        "card_token": "tok_" + uuid.UUID(int=number + 7).hex,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
    }


metadata = sa.MetaData()
plain = sa.Table("plans_plain", metadata, *plan_columns())
audited = sa.Table("plans_audited", metadata, *plan_columns())
audited_statement = sa.Table("plans_statement", metadata, *plan_columns())


class Base(DeclarativeBase):
    pass


class PlainPlan(Base):
    __table__ = plain


class AuditedPlan(Base):
    __table__ = audited


def config(dialect: str) -> AuditConfig:
    entities = [
        AuditedEntity(
            "plan", "plans_audited", sensitive=frozenset({"card_token"}), exclude=frozenset({"updated_at"})
        )
    ]
    if dialect == "postgresql":
        entities.append(
            AuditedEntity(
                "plan_statement",
                "plans_statement",
                sensitive=frozenset({"card_token"}),
                exclude=frozenset({"updated_at"}),
                capture="statement",
            )
        )
    return AuditConfig.of(*entities)


def fill(engine: sa.Engine, table: sa.Table, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(table.delete())
        for start in range(0, rows, 5000):
            connection.execute(table.insert(), [plan_row(n) for n in range(start, min(rows, start + 5000))])


def context(number: int) -> AuditContext:
    return AuditContext(
        execution_id=str(uuid.uuid4()), actor="bench", operation="billing.reprice", trace_id=f"t{number}",
        expected_entities=("plan",),
    )


def time_each(count: int, action: Callable[[int], None], first: int = 0) -> list[float]:
    timings = []
    for number in range(first, first + count):
        started = time.perf_counter()
        action(number)
        timings.append(time.perf_counter() - started)
    return timings


def interleaved(rounds: int, count: int, variants: dict[str, Callable[[int], None]]) -> dict[str, float]:
    """Run the variants in turns so drift on a shared machine hits all of them; return medians in seconds."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    per_round = count // rounds
    for round_number in range(rounds):
        for name, action in variants.items():
            # Fresh numbers each round, so every update really changes the row.
            samples[name] += time_each(per_round, action, first=1 + round_number * per_round)
    return {name: statistics.median(values) for name, values in samples.items()}


def single_row(engine: sa.Engine, count: int, rows: int) -> dict[str, float]:
    def core(table: sa.Table, audit: bool) -> Callable[[int], None]:
        def run(number: int) -> None:
            with engine.begin() as connection:
                if audit:
                    set_audit_context(connection, context(number))
                connection.execute(
                    table.update().where(table.c.id == number % rows).values(amount=Decimal(number % 997) + 1)
                )

        return run

    def orm(model: type[Any], audit: bool) -> Callable[[int], None]:
        def run(number: int) -> None:
            with Session(engine) as session, session.begin():
                if audit:
                    set_audit_context(session.connection(), context(number))
                plan = session.get(model, number % rows)
                # Half cents differ from every value the Core variants write to the same
                # rows, so the ORM always has a change to flush.
                plan.amount = Decimal(number % 997) + Decimal("0.50")

        return run

    variants = {
        "core, audit off": core(plain, False),
        "core, audit on (row)": core(audited, True),
        "orm, audit off": orm(PlainPlan, False),
        "orm, audit on (row)": orm(AuditedPlan, True),
    }
    if engine.dialect.name == "postgresql":
        variants["core, audit on (statement)"] = core(audited_statement, True)
    for _ in range(2):  # warm up connections and plans
        for action in variants.values():
            action(0)
    return interleaved(5, count, variants)


def bulk(engine: sa.Engine, table: sa.Table, audit: bool) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        if audit:
            set_audit_context(connection, context(0))
        connection.execute(table.update().values(amount=table.c.amount + 1))
    return time.perf_counter() - started


def storage(engine: sa.Engine, rows: int, changes: int) -> dict[str, float]:
    """Bytes per narrow change (one column of a wide row), against full-row snapshots."""
    with engine.begin() as connection:
        # TRUNCATE on PostgreSQL returns the space of earlier runs, so sizes start from zero.
        clear = "TRUNCATE {}" if engine.dialect.name == "postgresql" else "DELETE FROM {}"
        for table in ("opsgen_audit_change", "opsgen_audit_transaction"):
            connection.exec_driver_sql(clear.format(table))
    for number in range(changes):
        with engine.begin() as connection:
            set_audit_context(connection, context(number))
            connection.execute(
                audited.update().where(audited.c.id == number % rows).values(amount=Decimal(number % 997) + 2)
            )
    with engine.begin() as connection:
        recorded = connection.exec_driver_sql("SELECT count(*) FROM opsgen_audit_change").scalar_one()
        if engine.dialect.name == "postgresql":
            payload = connection.exec_driver_sql("SELECT avg(pg_column_size(changes)) FROM opsgen_audit_change").scalar_one()
            full_payload = connection.exec_driver_sql(
                "SELECT avg(pg_column_size(to_jsonb(p) - 'updated_at')) FROM plans_audited AS p"
            ).scalar_one()
            # The full-snapshot design: the same change rows, each holding the whole row.
            connection.exec_driver_sql(
                "CREATE TABLE bench_full_snapshot AS SELECT c.id, c.entity, c.entity_id, c.version, c.action, "
                "to_jsonb(p) - 'updated_at' AS changes, c.committed_at, c.transaction_id "
                "FROM opsgen_audit_change AS c JOIN plans_audited AS p ON p.id::text = c.entity_id"
            )
            connection.exec_driver_sql("ALTER TABLE bench_full_snapshot ADD PRIMARY KEY (id)")
            connection.exec_driver_sql(
                "CREATE UNIQUE INDEX ON bench_full_snapshot (entity, entity_id, version, id)"
            )
            connection.exec_driver_sql("CREATE INDEX ON bench_full_snapshot (entity, committed_at)")
            connection.exec_driver_sql("CREATE INDEX ON bench_full_snapshot (transaction_id)")
            ours = connection.exec_driver_sql(
                "SELECT pg_total_relation_size('opsgen_audit_change') + pg_total_relation_size('opsgen_audit_transaction')"
            ).scalar_one()
            full = connection.exec_driver_sql(
                "SELECT pg_total_relation_size('bench_full_snapshot') + pg_total_relation_size('opsgen_audit_transaction')"
            ).scalar_one()
            ours_rows = connection.exec_driver_sql("SELECT avg(pg_column_size(c.*)) FROM opsgen_audit_change AS c").scalar_one()
            full_rows = connection.exec_driver_sql("SELECT avg(pg_column_size(f.*)) FROM bench_full_snapshot AS f").scalar_one()
            ours_changes = connection.exec_driver_sql("SELECT pg_total_relation_size('opsgen_audit_change')").scalar_one()
            full_changes = connection.exec_driver_sql("SELECT pg_total_relation_size('bench_full_snapshot')").scalar_one()
            connection.exec_driver_sql("DROP TABLE bench_full_snapshot")
        else:
            payload = connection.exec_driver_sql("SELECT avg(length(changes)) FROM opsgen_audit_change").scalar_one()
            columns = ", ".join(f"'{c.name}', {c.name}" for c in audited.columns if c.name != "updated_at")
            full_payload = connection.exec_driver_sql(
                f"SELECT avg(length(json_object({columns}))) FROM plans_audited"
            ).scalar_one()
            ours = full = ours_changes = full_changes = ours_rows = full_rows = None
    result = {
        "changes": float(recorded),
        "payload bytes per change": float(payload),
        "full-row payload bytes": float(full_payload),
        "payload ratio (full / ours)": float(full_payload) / float(payload),
    }
    if ours is not None and full is not None:
        result["row bytes per change (whole change row)"] = float(ours_rows)
        result["row bytes per change, full snapshot"] = float(full_rows)
        result["row ratio (full / ours)"] = float(full_rows) / float(ours_rows)
        result["table+index bytes per change"] = ours / recorded
        result["full-snapshot table+index bytes per change"] = full / recorded
        result["table+index ratio (full / ours)"] = full / ours
        result["change table+index bytes per change, without context rows"] = ours_changes / recorded
        result["full-snapshot table+index bytes per change, without context rows"] = full_changes / recorded
        result["change table+index ratio (full / ours)"] = full_changes / ours_changes
    return result


def history_page(engine: sa.Engine, versions: int, others: int) -> dict[str, float]:
    """Median time of the first history page of an entity with ``versions`` versions (PostgreSQL).

    The trail is written directly, not through triggers: ``versions`` updates of one row
    would take minutes, and only the read is measured here. ``others`` versions of 9,000
    other instances make the indexes as large as a busy trail's.
    """
    with engine.begin() as connection:
        last_transaction = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM opsgen_audit_transaction").scalar_one()
        connection.exec_driver_sql(
            "INSERT INTO opsgen_audit_transaction (txid, committed_at, origin, execution_id, actor, operation) "
            f"SELECT g, now() - interval '1 second' * ({versions} - g), 'runtime', md5(g::text), 'bench', "
            f"'billing.reprice' FROM generate_series(1, {versions}) AS g"
        )
        first_transaction = last_transaction + 1
        connection.exec_driver_sql(
            "INSERT INTO opsgen_audit_change (entity, entity_id, version, action, changes, committed_at, transaction_id) "
            "SELECT 'plan_history', '1', g, 'U', jsonb_build_object('trial_days', jsonb_build_array(g, g + 1)), "
            f"now() - interval '1 second' * ({versions} - g), {first_transaction} + g - 1 "
            f"FROM generate_series(1, {versions}) AS g"
        )
        connection.exec_driver_sql(
            "INSERT INTO opsgen_audit_change (entity, entity_id, version, action, changes, committed_at, transaction_id) "
            "SELECT 'plan_history', (1000 + g %% 9000)::text, g / 9000 + 1, 'U', "
            "jsonb_build_object('trial_days', jsonb_build_array(g, g + 1)), now(), NULL "
            f"FROM generate_series(0, {others - 1}) AS g"
        )
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE opsgen_audit_change")
        connection.exec_driver_sql("ANALYZE opsgen_audit_transaction")
        total = connection.exec_driver_sql("SELECT count(*) FROM opsgen_audit_change").scalar_one()
        count = len(history(connection, "plan_history", 1, limit=50))
        timings = time_each(30, lambda _: history(connection, "plan_history", 1, limit=50))
        deep = time_each(30, lambda _: history(connection, "plan_history", 1, limit=50, before_version=versions // 2))
    return {
        "versions of the entity": float(versions),
        "change rows in the table": float(total),
        "page size": float(count),
        "first page median ms": statistics.median(timings) * 1000,
        "page from the middle median ms": statistics.median(deep) * 1000,
    }


CONTINUUM_WORKER = "--continuum-worker"


def continuum_worker(url: str, count: int, rows: int, bulk_rows: int) -> dict[str, float]:
    """Measure SQLAlchemy-Continuum in this (child) process; its listeners are global."""
    from sqlalchemy_continuum import make_versioned

    make_versioned(user_cls=None)

    class ContinuumBase(DeclarativeBase):
        pass

    class ContinuumPlan(ContinuumBase):
        __table__ = sa.Table("plans_continuum", ContinuumBase.metadata, *plan_columns())
        __versioned__: dict[str, Any] = {}

    class ControlPlan(ContinuumBase):
        __table__ = sa.Table("plans_control", ContinuumBase.metadata, *plan_columns())

    sa.orm.configure_mappers()
    engine = sa.create_engine(url)
    ContinuumBase.metadata.drop_all(engine)
    ContinuumBase.metadata.create_all(engine)
    for model in (ContinuumPlan, ControlPlan):
        with Session(engine) as session, session.begin():
            session.add_all([model(**plan_row(n)) for n in range(max(rows, bulk_rows))])

    def orm(model: type[Any]) -> Callable[[int], None]:
        def run(number: int) -> None:
            with Session(engine) as session, session.begin():
                plan = session.get(model, number % rows)
                plan.amount = Decimal(number % 997) + 1

        return run

    for _ in range(2):
        orm(ContinuumPlan)(0)
        orm(ControlPlan)(0)
    medians = interleaved(5, count, {"orm, continuum": orm(ContinuumPlan), "orm, no versioning (same process)": orm(ControlPlan)})

    version_table = "plans_continuum_version"
    with engine.connect() as connection:
        before = connection.exec_driver_sql(f"SELECT count(*) FROM {version_table}").scalar_one()
        size_before = connection.exec_driver_sql(
            f"SELECT pg_total_relation_size('{version_table}') + pg_total_relation_size('transaction')"
        ).scalar_one()

    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        for plan in session.scalars(sa.select(ContinuumPlan).where(ContinuumPlan.id < bulk_rows)):
            plan.amount = plan.amount + 1
    medians[f"bulk via ORM objects, {bulk_rows} rows, s"] = time.perf_counter() - started

    with engine.connect() as connection:
        after = connection.exec_driver_sql(f"SELECT count(*) FROM {version_table}").scalar_one()
        size_after = connection.exec_driver_sql(
            f"SELECT pg_total_relation_size('{version_table}') + pg_total_relation_size('transaction')"
        ).scalar_one()
    medians["table+index bytes per change"] = (size_after - size_before) / max(1, after - before)

    with Session(engine) as session, session.begin():
        session.execute(sa.update(ContinuumPlan).values(amount=ContinuumPlan.amount + 1))
    with engine.connect() as connection:
        final = connection.exec_driver_sql(f"SELECT count(*) FROM {version_table}").scalar_one()
    medians["versions recorded for a bulk update() of all rows"] = float(final - after)
    ContinuumBase.metadata.drop_all(engine)
    engine.dispose()
    return medians


def run_continuum(url: str, count: int, rows: int, bulk_rows: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, CONTINUUM_WORKER, url, str(count), str(rows), str(bulk_rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def use_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def prepare(url: str, rows: int) -> sa.Engine:
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        # The usual production setting; with the default rollback journal every commit
        # waits for two fsyncs, which hides everything else measured here.
        sa.event.listen(engine, "connect", use_wal)
    with engine.begin() as connection:
        metadata.create_all(connection)
    tables = [plain, audited] + ([audited_statement] if engine.dialect.name == "postgresql" else [])
    for table in tables:
        fill(engine, table, rows)
    with engine.begin() as connection:
        install_audit(connection, config(engine.dialect.name))
    return engine


def report(title: str, values: dict[str, float], unit: str = "") -> None:
    print(f"\n{title}")
    for name, value in values.items():
        print(f"  {name:<58} {value:12.4f}{unit}")


def benchmark_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = prepare(url, args.single_rows)
    dialect = engine.dialect.name
    results: dict[str, Any] = {}

    medians = single_row(engine, args.count, args.single_rows)
    report(f"[{dialect}] single-row update, median ms per transaction", {k: v * 1000 for k, v in medians.items()})
    ratios = {
        "core: audit on (row) / off": medians["core, audit on (row)"] / medians["core, audit off"],
        "orm: audit on (row) / off": medians["orm, audit on (row)"] / medians["orm, audit off"],
    }
    if dialect == "postgresql":
        ratios["core: audit on (statement) / off"] = medians["core, audit on (statement)"] / medians["core, audit off"]
    report(f"[{dialect}] single-row update, ratios", ratios, "x")
    results["single"] = medians

    for table in [plain, audited] + ([audited_statement] if dialect == "postgresql" else []):
        fill(engine, table, args.bulk_rows)
    bulk_times = {
        "audit off": bulk(engine, plain, False),
        "audit on (row)": bulk(engine, audited, True),
    }
    if dialect == "postgresql":
        bulk_times["audit on (statement)"] = bulk(engine, audited_statement, True)
    report(f"[{dialect}] bulk update of {args.bulk_rows} rows, seconds", bulk_times)
    report(
        f"[{dialect}] bulk update, ratios",
        {f"{name} / off": value / bulk_times["audit off"] for name, value in bulk_times.items() if name != "audit off"},
        "x",
    )
    results["bulk"] = bulk_times

    fill(engine, audited, args.single_rows)
    results["storage"] = storage(engine, args.single_rows, args.storage_changes)
    report(f"[{dialect}] storage per narrow change (amount of a {len(audited.columns)}-column row)", results["storage"])

    if dialect == "postgresql":
        results["history"] = history_page(engine, args.history_versions, args.history_others)
        report(f"[{dialect}] history of one entity", results["history"])
    engine.dispose()
    return results


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == CONTINUUM_WORKER:
        url, count, rows, bulk_rows = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(continuum_worker(url, count, rows, bulk_rows)))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts for a smoke run")
    parser.add_argument("--postgres-url", default=os.environ.get("OPSGEN_BENCH_POSTGRES", DEFAULT_SERVER))
    args = parser.parse_args()
    args.count = 300 if args.quick else 2000
    args.single_rows = 1000
    args.bulk_rows = 20_000 if args.quick else 200_000
    args.continuum_bulk_rows = 2_000 if args.quick else 5_000
    args.storage_changes = 500 if args.quick else 2000
    args.history_versions = 10_000 if args.quick else 100_000
    args.history_others = 100_000 if args.quick else 900_000

    print(f"load average before the run: {os.getloadavg()[0]:.2f} (1 min), cpus: {os.cpu_count()}")
    admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"opsgen_bench_audit_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    postgres_url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        results = benchmark_backend(postgres_url, args)
        continuum = run_continuum(postgres_url, args.count, args.single_rows, args.continuum_bulk_rows)
        report(
            "[postgresql] SQLAlchemy-Continuum (child process)",
            {
                name: value * 1000 if name.startswith("orm") else value
                for name, value in continuum.items()
            },
        )
        print("  (orm rows in ms per transaction)")
        ours = results["single"]["orm, audit on (row)"]
        report(
            "[postgresql] opsgen audit against Continuum",
            {
                "orm single-row update: opsgen audit / continuum": ours / continuum["orm, continuum"],
                "continuum / its own no-versioning baseline": continuum["orm, continuum"]
                / continuum["orm, no versioning (same process)"],
                "storage per change: continuum / opsgen (table+index)": continuum["table+index bytes per change"]
                / results["storage"]["table+index bytes per change"],
                "bulk seconds per row: continuum ORM / opsgen row triggers": (
                    continuum[f"bulk via ORM objects, {args.continuum_bulk_rows} rows, s"] / args.continuum_bulk_rows
                )
                / (results["bulk"]["audit on (row)"] / args.bulk_rows),
            },
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    with tempfile.TemporaryDirectory() as folder:
        benchmark_backend(f"sqlite:///{folder}/bench.db", args)
    print(f"\nload average after the run: {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
