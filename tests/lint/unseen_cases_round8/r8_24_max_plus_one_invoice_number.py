# expect: missing-lock
# pattern: the next invoice number is MAX(number) + 1 read with a plain SELECT; two
#          invoices issued at the same moment get the same number
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from invoicing.models import Invoice


def issue_invoice(session: Session, customer_id: int, total: Decimal) -> Invoice:
    year = date.today().year
    last_number = session.scalar(select(func.max(Invoice.number)).where(Invoice.year == year))  # expect-line
    invoice = Invoice(year=year, number=(last_number or 0) + 1, customer_id=customer_id, total=total)
    session.add(invoice)
    session.commit()
    return invoice
