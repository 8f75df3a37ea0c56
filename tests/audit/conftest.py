"""Fixtures of the audit tests: ``audit_db`` runs a test on SQLite and both PostgreSQL capture modes."""

from __future__ import annotations

from audit_support import audit_db

__all__ = ["audit_db"]
