"""Database helpers of the background modules.

They provide statements that commit on their own, short transactions that skip the
disk wait for markers, and the conversion of the naive datetimes SQLite returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine

from opsgen.runtime.database import begin_unflushed
from opsgen.runtime.runtime import Runtime


#: Engine execution option set on engines whose connections belong to another library
#: (Django's): opsgen then never switches them to autocommit.
SHARED_CONNECTION = "opsgen_shared_connection"


def shares_connection(engine: Engine) -> bool:
    """Return whether ``engine``'s connections belong to another library (see :data:`SHARED_CONNECTION`)."""
    return bool(engine.get_execution_options().get(SHARED_CONNECTION))


@contextmanager
def single_statements(runtime: Runtime) -> Iterator[Connection]:
    """Yield a connection on which each statement commits on its own, in autocommit mode.

    That saves the round trips of ``BEGIN`` and ``COMMIT``. An engine marked with
    :data:`SHARED_CONNECTION` gets one transaction instead, because its connections
    belong to another library whose autocommit mode opsgen must not change.
    """
    engine = runtime.engine
    if shares_connection(engine):
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def marker_transaction(runtime: Runtime) -> Iterator[Connection]:
    """Open a short transaction whose commit does not wait for the disk on PostgreSQL.

    Claims and attempt rows are markers: a database crash that loses one leaves the
    execution pending or running under an expired lease, so the next delivery runs it,
    and the execution's own final record is written with a durable commit.
    """
    with begin_unflushed(runtime.engine) as connection:
        yield connection


def aware(value: datetime) -> datetime:
    """Return ``value`` in UTC; SQLite returns naive datetimes, stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
