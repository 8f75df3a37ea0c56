# expect: none
# fixed shape for r8_24: a per-year counter row is incremented by one INSERT ... ON
# CONFLICT DO UPDATE ... RETURNING, which PostgreSQL serializes on the counter row
from datetime import date
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from invoicing.models import Invoice, InvoiceCounter


def issue_invoice(session: Session, customer_id: int, total: Decimal) -> Invoice:
    year = date.today().year
    statement = (
        insert(InvoiceCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[InvoiceCounter.year],
            set_={"last_number": InvoiceCounter.last_number + 1},
        )
        .returning(InvoiceCounter.last_number)
    )
    number = session.scalar(statement)
    invoice = Invoice(year=year, number=number, customer_id=customer_id, total=total)
    session.add(invoice)
    session.commit()
    return invoice
