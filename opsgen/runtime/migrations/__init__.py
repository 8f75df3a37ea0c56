"""Alembic migrations of the execution log; run them with ``Runtime.ensure_schema()``."""
