# expect: forgotten-transaction
"""Invoice voiding for the billing back office.

A voided invoice keeps its number; the audit entry records who voided it and why,
and the monthly statement reads both.
"""

from peewee import SqliteDatabase

from .models import AuditEntry, Invoice

db = SqliteDatabase("billing.db")


def void_invoice(invoice_id: int, reason: str) -> None:
    Invoice.update(status="void").where(Invoice.id == invoice_id).execute()  # expect-line
    AuditEntry.create(subject=f"invoice:{invoice_id}", action="void", note=reason)
