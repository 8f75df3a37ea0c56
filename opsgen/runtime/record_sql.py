"""The final record's insert, run on the database driver's cursor.

Every transactional call inserts its record in its own transaction, so this statement
is on the hot path. Through SQLAlchemy's ``Connection.execute`` it costs about as
much Python time as the operation's own insert. Here the SQL text is built once per
set of columns. The values pass through the type conversions SQLAlchemy would apply,
then go straight to the cursor of the connection's open transaction. SQLAlchemy's
statement events do not see this statement.

Only the drivers whose parameter style and types are handled here take this path:
``sqlite3`` and psycopg 3. :func:`insert_record` returns ``False`` for any other, and
the caller runs the statement through SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import JSON, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from opsgen.runtime.schema import executions

Processor = Callable[[Any], Any] | None

_PLACEHOLDERS = {"sqlite": "?", "postgresql": "%s"}
_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}

_statements: dict[tuple[str, bool, tuple[str, ...]], tuple[str, list[Processor]]] = {}


def insert_record(connection: Connection, values: Mapping[str, Any], *, upsert: bool) -> bool:
    """Insert the execution row ``values`` on ``connection``'s transaction; ``False`` when unsupported.

    With ``upsert`` (PostgreSQL only) a row with the same id is updated instead.
    """
    dialect = connection.dialect
    if _DRIVERS.get(dialect.name) != dialect.driver or (upsert and dialect.name != "postgresql"):
        return False
    columns = tuple(values)
    key = (dialect.name, upsert, columns)
    built = _statements.get(key)
    if built is None:
        built = _statements[key] = _build(dialect, columns, upsert)
    sql, processors = built
    parameters = [value if process is None else process(value) for value, process in zip(values.values(), processors)]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
    except dialect.loaded_dbapi.Error as error:
        # Raise what SQLAlchemy would, so callers that catch its errors (a busy SQLite
        # log, a failed commit) handle this statement like any other.
        raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
    finally:
        cursor.close()
    return True


def _build(dialect: Dialect, columns: tuple[str, ...], upsert: bool) -> tuple[str, list[Processor]]:
    quote = dialect.identifier_preparer.quote
    table = dialect.identifier_preparer.format_table(executions)
    placeholder = _PLACEHOLDERS[dialect.name]
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(placeholder for _ in columns)})"
    )
    if upsert:
        updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in columns if name != "id")
        sql += f" ON CONFLICT ({quote('id')}) DO UPDATE SET {updates}"
    return sql, [_processor(dialect, name) for name in columns]


def _processor(dialect: Dialect, name: str) -> Processor:
    column_type = executions.c[name].type
    if dialect.name == "postgresql":
        # psycopg sends a str with an unknown type, which PostgreSQL casts to json.
        return _dump_json if isinstance(column_type, JSON) else None
    processor: Processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _dump_json(value: Any) -> str:
    return json.dumps(value)
