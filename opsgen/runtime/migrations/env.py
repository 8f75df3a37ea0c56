"""Alembic environment of the opsgen tables.

:func:`opsgen.runtime.migrate.upgrade` passes an open connection in
``config.attributes["connection"]``. The version is kept in ``opsgen_alembic_version``
so that it never collides with the application's own Alembic history.
"""

from __future__ import annotations

from alembic import context

from opsgen.runtime.migrate import VERSION_TABLE
from opsgen.runtime.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the opsgen migrations through opsgen.runtime.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
