"""PostgreSQL capture: generic trigger functions, and a version stamp taken at commit.

Capture triggers never number anything. They append each change to the unlogged staging
table ``opsgen_audit_pending``, keyed by the top-level transaction id, and register the
transaction once in ``opsgen_audit_open``. That registration fires a deferred constraint
trigger, so the stamp runs at commit, after every statement of the transaction:

1. it bumps the per-entity counters in ``opsgen_audit_version`` in a fixed order, which
   row-locks them until the commit ends, so a second writer to the same entity waits
   there and numbers its changes after the first one has committed;
2. only then it reads ``clock_timestamp()``, so times follow the commit order too;
3. it moves the staged rows to ``opsgen_audit_change`` with their versions, and writes
   one ``opsgen_audit_transaction`` row per context the transaction used.

A rolled-back savepoint takes its staged rows and its registration with it, because both
are ordinary writes of the subtransaction. The context comes from transaction-local
settings (``set_config(..., true)``), never from session state, so it stays correct
behind PgBouncer in transaction pooling mode.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from opsgen.audit.config import MASK, AuditedEntity

#: Settings the runtime sets at the start of each top-level transaction.
CONTEXT_SETTINGS = ("execution_id", "actor", "operation", "trace_id", "expected")

ROW_TRIGGERS = ("opsgen_audit_row", "opsgen_audit_truncate")
STATEMENT_TRIGGERS = ("opsgen_audit_insert", "opsgen_audit_update", "opsgen_audit_delete", "opsgen_audit_truncate")
ALL_TRIGGERS = tuple(dict.fromkeys(ROW_TRIGGERS + STATEMENT_TRIGGERS))

_MASK_JSON = json.dumps(MASK)

_INDEX_DDL = "CREATE INDEX IF NOT EXISTS opsgen_audit_pending_txid ON opsgen_audit_pending (txid)"

_STAMP_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS opsgen_audit_stamp ON opsgen_audit_open",
    """
    CREATE CONSTRAINT TRIGGER opsgen_audit_stamp AFTER INSERT ON opsgen_audit_open
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION opsgen_audit_stamp()
    """,
)

SUPPORT_DDL = [
    """
    CREATE UNLOGGED TABLE IF NOT EXISTS opsgen_audit_pending (
        seq bigserial PRIMARY KEY,
        txid bigint NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        changes jsonb NOT NULL,
        execution_id text,
        actor text,
        operation text,
        trace_id text,
        expected text
    )
    """,
    _INDEX_DDL,
    "CREATE UNLOGGED TABLE IF NOT EXISTS opsgen_audit_open (txid bigint PRIMARY KEY)",
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_setting(name text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('opsgen.' || name, true), '') $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION opsgen_audit_mask(state jsonb, sensitive text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN cardinality(sensitive) = 0 THEN state
               ELSE state || coalesce(
                   (SELECT jsonb_object_agg(name, '{_MASK_JSON}'::jsonb) FROM unnest(sensitive) AS name
                    WHERE state -> name <> 'null'::jsonb),
                   '{{}}'::jsonb)
               END
    $$
    """,
    # One pass over the new row's keys with a keyed lookup into the old one: about half
    # the cost of joining two jsonb_each() sets on a 16-column row (PostgreSQL 15).
    f"""
    CREATE OR REPLACE FUNCTION opsgen_audit_delta(before jsonb, after jsonb, sensitive text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
        SELECT jsonb_object_agg(
                   a.key,
                   CASE WHEN a.key = ANY (sensitive) THEN jsonb_build_array(
                            CASE WHEN coalesce(before -> a.key, 'null'::jsonb) = 'null'::jsonb
                                 THEN 'null'::jsonb ELSE '{_MASK_JSON}'::jsonb END,
                            CASE WHEN a.value = 'null'::jsonb THEN a.value ELSE '{_MASK_JSON}'::jsonb END)
                        ELSE jsonb_build_array(before -> a.key, a.value) END)
        FROM jsonb_each(after) AS a
        WHERE before -> a.key IS DISTINCT FROM a.value
    $$
    """,
    # Registers the transaction for the commit-time stamp. The transaction-local flag
    # spares the registration insert on every later change of the same transaction. A
    # rolled-back savepoint resets the flag and the insert together.
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_register() RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('opsgen.audit_open', true) IS DISTINCT FROM 'on' THEN
            INSERT INTO opsgen_audit_open (txid) VALUES (pg_current_xact_id()::text::bigint)
            ON CONFLICT DO NOTHING;
            PERFORM set_config('opsgen.audit_open', 'on', true);
        END IF;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_stage(p_entity text, p_entity_id text, p_action text, p_changes jsonb)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO opsgen_audit_pending
            (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
        VALUES (pg_current_xact_id()::text::bigint, p_entity, p_entity_id, p_action, p_changes,
                opsgen_audit_setting('execution_id'), opsgen_audit_setting('actor'),
                opsgen_audit_setting('operation'), opsgen_audit_setting('trace_id'),
                opsgen_audit_setting('expected'));
        PERFORM opsgen_audit_register();
    END $$
    """,
    # Trigger arguments: entity, id column, excluded columns, sensitive columns, and the
    # audited columns at install time (read only by `opsgen audit check`). The staging
    # insert is inlined rather than a call of opsgen_audit_stage: on a 20,000-row bulk
    # update of a 16-column table that took about 30% off the capture time.
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_capture_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        entity_name text := TG_ARGV[0];
        id_column text := TG_ARGV[1];
        excluded text[] := TG_ARGV[2]::text[];
        sensitive text[] := TG_ARGV[3]::text[];
        before jsonb;
        after jsonb;
        row_id text;
        change_action text;
        change_data jsonb;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            after := to_jsonb(NEW) - excluded;
            row_id := after ->> id_column;
            change_action := 'I';
            change_data := opsgen_audit_mask(after, sensitive);
        ELSIF TG_OP = 'DELETE' THEN
            before := to_jsonb(OLD) - excluded;
            row_id := before ->> id_column;
            change_action := 'D';
            change_data := opsgen_audit_mask(before, sensitive);
        ELSE
            before := to_jsonb(OLD) - excluded;
            after := to_jsonb(NEW) - excluded;
            IF before = after THEN
                RETURN NULL;
            END IF;
            row_id := after ->> id_column;
            IF (before ->> id_column) IS DISTINCT FROM row_id THEN
                -- A changed id ends one entity and starts another.
                PERFORM opsgen_audit_stage(entity_name, before ->> id_column, 'D', opsgen_audit_mask(before, sensitive));
                change_action := 'I';
                change_data := opsgen_audit_mask(after, sensitive);
            ELSE
                change_action := 'U';
                change_data := opsgen_audit_delta(before, after, sensitive);
            END IF;
        END IF;

        INSERT INTO opsgen_audit_pending
            (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
        VALUES (pg_current_xact_id()::text::bigint, entity_name, row_id, change_action, change_data,
                opsgen_audit_setting('execution_id'), opsgen_audit_setting('actor'),
                opsgen_audit_setting('operation'), opsgen_audit_setting('trace_id'),
                opsgen_audit_setting('expected'));
        IF current_setting('opsgen.audit_open', true) IS DISTINCT FROM 'on' THEN
            PERFORM opsgen_audit_register();
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_capture_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format(
            'INSERT INTO opsgen_audit_pending
                 (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
             SELECT pg_current_xact_id()::text::bigint, $1, s.state ->> $2, ''T'', opsgen_audit_mask(s.state, $4),
                    opsgen_audit_setting(''execution_id''), opsgen_audit_setting(''actor''),
                    opsgen_audit_setting(''operation''), opsgen_audit_setting(''trace_id''),
                    opsgen_audit_setting(''expected'')
             FROM (SELECT to_jsonb(t) - $3 AS state FROM %I.%I AS t) AS s',
            TG_TABLE_SCHEMA, TG_TABLE_NAME)
        USING TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]::text[], TG_ARGV[3]::text[];
        PERFORM opsgen_audit_register();
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_capture_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO opsgen_audit_pending
            (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
        SELECT pg_current_xact_id()::text::bigint, TG_ARGV[0], s.state ->> TG_ARGV[1], 'I',
               opsgen_audit_mask(s.state, TG_ARGV[3]::text[]),
               opsgen_audit_setting('execution_id'), opsgen_audit_setting('actor'),
               opsgen_audit_setting('operation'), opsgen_audit_setting('trace_id'),
               opsgen_audit_setting('expected')
        FROM (SELECT to_jsonb(n) - TG_ARGV[2]::text[] AS state FROM new_rows AS n) AS s;
        IF FOUND THEN
            PERFORM opsgen_audit_register();
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_capture_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO opsgen_audit_pending
            (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
        SELECT pg_current_xact_id()::text::bigint, TG_ARGV[0], s.state ->> TG_ARGV[1], 'D',
               opsgen_audit_mask(s.state, TG_ARGV[3]::text[]),
               opsgen_audit_setting('execution_id'), opsgen_audit_setting('actor'),
               opsgen_audit_setting('operation'), opsgen_audit_setting('trace_id'),
               opsgen_audit_setting('expected')
        FROM (SELECT to_jsonb(o) - TG_ARGV[2]::text[] AS state FROM old_rows AS o) AS s;
        IF FOUND THEN
            PERFORM opsgen_audit_register();
        END IF;
        RETURN NULL;
    END $$
    """,
    # Pairs old and new rows on the id column itself, so the join uses the column's own
    # equality instead of comparing JSON text. A row whose id changed has no partner and
    # is recorded as the delete of the old id and the insert of the new one.
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_capture_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        staged bigint;
    BEGIN
        EXECUTE format(
            'INSERT INTO opsgen_audit_pending
                 (txid, entity, entity_id, action, changes, execution_id, actor, operation, trace_id, expected)
             SELECT pg_current_xact_id()::text::bigint, $1, paired.entity_id, paired.action, paired.changes,
                    opsgen_audit_setting(''execution_id''), opsgen_audit_setting(''actor''),
                    opsgen_audit_setting(''operation''), opsgen_audit_setting(''trace_id''),
                    opsgen_audit_setting(''expected'')
             FROM (
                 SELECT coalesce(s.after ->> $2, s.before ->> $2) AS entity_id,
                        CASE WHEN s.after IS NULL THEN ''D'' WHEN s.before IS NULL THEN ''I'' ELSE ''U'' END AS action,
                        CASE WHEN s.after IS NULL THEN opsgen_audit_mask(s.before, $4)
                             WHEN s.before IS NULL THEN opsgen_audit_mask(s.after, $4)
                             ELSE opsgen_audit_delta(s.before, s.after, $4) END AS changes
                 FROM (SELECT to_jsonb(o) - $3 AS before, to_jsonb(n) - $3 AS after
                       FROM new_rows AS n FULL JOIN old_rows AS o ON o.%1$I = n.%1$I) AS s
             ) AS paired
             WHERE paired.changes IS NOT NULL',
            TG_ARGV[1])
        USING TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]::text[], TG_ARGV[3]::text[];
        GET DIAGNOSTICS staged = ROW_COUNT;
        IF staged > 0 THEN
            PERFORM opsgen_audit_register();
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opsgen_audit_stamp() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        current_txid bigint := NEW.txid;
        stamped_at timestamptz;
    BEGIN
        DELETE FROM opsgen_audit_open WHERE txid = current_txid;
        PERFORM set_config('opsgen.audit_open', '', true);

        -- Lock the counters in one global order, so two writers never deadlock here.
        INSERT INTO opsgen_audit_version AS v (entity, entity_id, last_version)
        SELECT entity, entity_id, count(*) FROM opsgen_audit_pending
        WHERE txid = current_txid
        GROUP BY entity, entity_id
        ORDER BY entity, entity_id
        ON CONFLICT (entity, entity_id) DO UPDATE SET last_version = v.last_version + excluded.last_version;

        -- Read the time after the locks: a writer that waited above stamps a later time.
        stamped_at := clock_timestamp();

        WITH moved AS (
            DELETE FROM opsgen_audit_pending WHERE txid = current_txid RETURNING *
        ), contexts AS (
            INSERT INTO opsgen_audit_transaction
                (txid, committed_at, origin, execution_id, actor, operation, trace_id, expected,
                 db_user, application_name)
            SELECT DISTINCT current_txid, stamped_at,
                   CASE WHEN num_nonnulls(execution_id, actor, operation, trace_id) = 0 THEN 'raw'
                        ELSE 'runtime' END,
                   execution_id, actor, operation, trace_id, expected,
                   session_user, current_setting('application_name')
            FROM moved
            RETURNING id, execution_id, actor, operation, trace_id, expected
        ), numbered AS (
            SELECT moved.*,
                   row_number() OVER (PARTITION BY entity, entity_id ORDER BY seq) AS position,
                   count(*) OVER (PARTITION BY entity, entity_id) AS total
            FROM moved
        )
        INSERT INTO opsgen_audit_change (entity, entity_id, version, action, changes, committed_at, transaction_id)
        SELECT n.entity, n.entity_id, v.last_version - n.total + n.position, n.action, n.changes, stamped_at, c.id
        FROM numbered AS n
        JOIN opsgen_audit_version AS v ON v.entity = n.entity AND v.entity_id = n.entity_id
        JOIN contexts AS c
            ON c.execution_id IS NOT DISTINCT FROM n.execution_id
           AND c.actor IS NOT DISTINCT FROM n.actor
           AND c.operation IS NOT DISTINCT FROM n.operation
           AND c.trace_id IS NOT DISTINCT FROM n.trace_id
           AND c.expected IS NOT DISTINCT FROM n.expected
        ORDER BY n.seq;
        RETURN NULL;
    END $$
    """,
    *_STAMP_TRIGGER_DDL,
]


#: Functions that :data:`SUPPORT_DDL` creates, with their argument types.
SUPPORT_FUNCTIONS = (
    "opsgen_audit_setting(text)",
    "opsgen_audit_mask(jsonb, text[])",
    "opsgen_audit_delta(jsonb, jsonb, text[])",
    "opsgen_audit_register()",
    "opsgen_audit_stage(text, text, text, jsonb)",
    "opsgen_audit_capture_row()",
    "opsgen_audit_capture_truncate()",
    "opsgen_audit_capture_inserted()",
    "opsgen_audit_capture_deleted()",
    "opsgen_audit_capture_updated()",
    "opsgen_audit_stamp()",
)

#: Comment on ``opsgen_audit_stamp()`` that names the :data:`SUPPORT_DDL` it was created
#: with, so an install can tell current support objects from those of another version.
SUPPORT_VERSION = "opsgen audit support " + hashlib.sha256("\n".join(SUPPORT_DDL).encode()).hexdigest()[:16]

#: Advisory lock key that serializes installs: two sessions replacing one function at
#: once make one of them fail with "tuple concurrently updated".
SUPPORT_LOCK_KEY = 0x6F70_7367_6175_6474  # "opsgaudt"

#: SQLSTATE of PostgreSQL's "lock_not_available", raised when ``lock_timeout`` runs out.
LOCK_NOT_AVAILABLE = "55P03"


class AuditSchemaLockTimeout(RuntimeError):
    """Creating or updating the audit support objects timed out waiting for a lock."""


@dataclass(frozen=True)
class SupportState:
    """The audit support objects that a database has, read from its catalog."""

    missing_tables: tuple[str, ...]
    has_index: bool
    has_stamp_trigger: bool
    missing_functions: tuple[str, ...]
    #: The comment on ``opsgen_audit_stamp()``; :data:`SUPPORT_VERSION` when current.
    version: str | None

    def problems(self) -> list[str]:
        """Return what is missing or out of date, for messages; empty when everything is current."""
        problems = [f"table {name}" for name in self.missing_tables]
        if not self.has_index:
            problems.append("index opsgen_audit_pending_txid")
        if not self.has_stamp_trigger:
            problems.append("trigger opsgen_audit_stamp")
        problems += [f"function {name}" for name in self.missing_functions]
        if not self.missing_functions and self.version != SUPPORT_VERSION:
            problems.append("functions of another opsgen version")
        return problems

    def statements(self) -> list[str]:
        """Return the statements of :data:`SUPPORT_DDL` that bring the database up to date.

        The index and the stamp trigger take locks that every open audited transaction
        holds, so they are created only when missing. The tables are created only when
        missing too (``IF NOT EXISTS``), and replacing a function waits for no lock.
        """
        # NOTE: a database that has the index and the stamp trigger keeps them as they
        # are, so a changed definition of either reaches it only after they are dropped.
        skipped = set()
        if self.has_index:
            skipped.add(_INDEX_DDL)
        if self.has_stamp_trigger:
            skipped.update(_STAMP_TRIGGER_DDL)
        return [statement for statement in SUPPORT_DDL if statement not in skipped]


def read_support_state(connection: sa.Connection) -> SupportState:
    """Read which support objects exist from the catalog, which takes no lock that a transaction could hold."""
    row = connection.execute(
        sa.text(
            "SELECT ARRAY(SELECT name FROM unnest(CAST(:tables AS text[])) AS name WHERE to_regclass(name) IS NULL), "
            "to_regclass('opsgen_audit_pending_txid') IS NOT NULL, "
            "EXISTS (SELECT FROM pg_trigger WHERE tgname = 'opsgen_audit_stamp' "
            "AND tgrelid = to_regclass('opsgen_audit_open')), "
            "ARRAY(SELECT name FROM unnest(CAST(:functions AS text[])) AS name WHERE to_regprocedure(name) IS NULL), "
            "obj_description(to_regprocedure('opsgen_audit_stamp()'), 'pg_proc')"
        ),
        {"tables": ["opsgen_audit_pending", "opsgen_audit_open"], "functions": list(SUPPORT_FUNCTIONS)},
    ).one()
    tables, index, trigger, functions, version = row
    return SupportState(tuple(tables), bool(index), bool(trigger), tuple(functions), version)


def install_support(connection: sa.Connection, *, lock_timeout: float | None = None) -> bool:
    """Create or replace the staging tables and trigger functions unless all are current; return whether it did.

    The catalog is read first, and DDL runs only for what is missing or was created by
    another opsgen version, so an install on an up-to-date database waits for no lock.
    Creating the index or the stamp trigger waits for every open audited transaction.
    With ``lock_timeout`` (seconds) it waits at most that long for each lock, then raises
    :class:`AuditSchemaLockTimeout` and leaves the transaction of ``connection`` aborted.
    """
    if not read_support_state(connection).problems():
        return False
    previous = connection.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar_one()
    if lock_timeout is not None:
        _set_lock_timeout(connection, f"{max(1, round(lock_timeout * 1000))}ms")
    backend = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    state: SupportState | None = None
    try:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SUPPORT_LOCK_KEY})
        # Another process may have installed them while this one waited for the lock.
        state = read_support_state(connection)
        if state.problems():
            for statement in state.statements():
                # The driver runs the text through its "format" parameter style, so "%" is doubled.
                connection.exec_driver_sql(statement.replace("%", "%%"))
            connection.exec_driver_sql(f"COMMENT ON FUNCTION opsgen_audit_stamp() IS {_string_literal(SUPPORT_VERSION)}")
    except sa.exc.OperationalError as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE or lock_timeout is None:
            raise
        problems = state.problems() if state is not None else []
        raise AuditSchemaLockTimeout(_lock_timeout_message(connection, lock_timeout, backend, problems)) from exc
    _set_lock_timeout(connection, str(previous))
    return bool(state.problems())


def _set_lock_timeout(connection: sa.Connection, value: str) -> None:
    connection.execute(sa.text("SELECT set_config('lock_timeout', :value, true)"), {"value": value})


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    # psycopg 3 names it sqlstate, psycopg2 pgcode.
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


def _lock_timeout_message(connection: sa.Connection, lock_timeout: float, backend: int, problems: list[str]) -> str:
    """Return the error of a timed-out install, with what it had to change and who holds the locks."""
    holders = _staging_lock_holders(connection.engine, backend)
    held = f" (PostgreSQL backends {', '.join(map(str, holders))})" if holders else ""
    changing = f" ({', '.join(problems)})" if problems else ""
    return (
        f"timed out after {lock_timeout:g} s waiting for a lock to create the missing audit support "
        f"objects{changing}: open transactions{held} that wrote to audited tables hold locks on "
        "opsgen_audit_pending and opsgen_audit_open until they end. Run `opsgen audit install` once they "
        "have ended, after which starts have nothing to create and wait for no lock, or pass a longer lock_timeout"
    )


def _staging_lock_holders(engine: sa.Engine, backend: int) -> list[int]:
    """Return the backends other than ``backend`` that hold locks on the staging tables, read on a new connection."""
    try:
        with engine.connect() as reader:
            pids = reader.execute(
                sa.text(
                    "SELECT DISTINCT pid FROM pg_locks WHERE granted AND pid <> :backend AND relation IN "
                    "(to_regclass('opsgen_audit_pending'), to_regclass('opsgen_audit_open')) ORDER BY pid"
                ),
                {"backend": backend},
            ).scalars().all()
    except sa.exc.DBAPIError:
        return []  # the message is still useful without them
    return [int(pid) for pid in pids]


def _array_literal(values: Sequence[str]) -> str:
    escaped = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(escaped) + "}"


def _string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def trigger_arguments(entity: AuditedEntity, columns: Sequence[str]) -> list[str]:
    """Return the trigger arguments for ``entity`` whose table has ``columns``."""
    return [
        entity.name,
        entity.id_column,
        _array_literal(sorted(entity.exclude)),
        _array_literal(sorted(entity.sensitive)),
        _array_literal(entity.audited_columns(columns)),
    ]


def qualified(table: str) -> str:
    """Return ``table`` (optionally ``schema.table``) as a quoted SQL identifier."""
    return ".".join(f'"{part}"' for part in table.split("."))


def trigger_statements(entity: AuditedEntity, columns: Sequence[str]) -> list[str]:
    """Return the DDL that drops and recreates the capture triggers of ``entity``."""
    table = qualified(entity.table)
    arguments = ", ".join(_string_literal(argument) for argument in trigger_arguments(entity, columns))
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in ALL_TRIGGERS]

    if entity.capture == "row":
        statements.append(
            f"CREATE TRIGGER opsgen_audit_row AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION opsgen_audit_capture_row({arguments})"
        )
    else:
        statements += [
            f"CREATE TRIGGER opsgen_audit_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION opsgen_audit_capture_inserted({arguments})",
            f"CREATE TRIGGER opsgen_audit_update AFTER UPDATE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION opsgen_audit_capture_updated({arguments})",
            f"CREATE TRIGGER opsgen_audit_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION opsgen_audit_capture_deleted({arguments})",
        ]
    statements.append(
        f"CREATE TRIGGER opsgen_audit_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION opsgen_audit_capture_truncate({arguments})"
    )
    return statements


def drop_statements(entity: AuditedEntity) -> list[str]:
    """Return the DDL that removes the capture triggers of ``entity``."""
    table = qualified(entity.table)
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in ALL_TRIGGERS]


def installed_triggers(connection: sa.Connection, table: str) -> dict[str, list[str]]:
    """Return the opsgen capture triggers on ``table``: name -> arguments."""
    rows = connection.execute(
        sa.text(
            "SELECT t.tgname, t.tgargs, t.tgenabled FROM pg_trigger AS t "
            "WHERE t.tgrelid = to_regclass(:table) AND t.tgname LIKE 'opsgen\\_audit\\_%' AND NOT t.tgisinternal"
        ),
        {"table": qualified(table)},
    ).all()
    triggers: dict[str, list[str]] = {}
    for name, raw_arguments, enabled in rows:
        if enabled == "D":
            continue
        arguments = bytes(raw_arguments).decode("utf-8").split("\x00")
        triggers[str(name)] = arguments[:-1] if arguments and arguments[-1] == "" else arguments
    return triggers


def parse_array_literal(literal: str) -> list[str]:
    """Parse a one-dimensional text array literal written by :func:`trigger_arguments`."""
    inner = literal.strip()[1:-1]
    values: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for character in inner:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == '"':
            quoted = not quoted
        elif character == "," and not quoted:
            values.append("".join(current))
            current = []
        else:
            current.append(character)
    if inner:
        values.append("".join(current))
    return values
