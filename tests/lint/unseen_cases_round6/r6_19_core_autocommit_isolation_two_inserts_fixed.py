# expect: none
# fixed shape: engine.begin() runs both inserts in one transaction
from sqlalchemy import create_engine, insert

from billing.tables import invoice_lines, invoices

engine = create_engine("postgresql+psycopg://localhost/billing")


def store_invoice(customer_id, lines):
    with engine.begin() as conn:
        result = conn.execute(insert(invoices).values(customer_id=customer_id))
        invoice_id = result.inserted_primary_key[0]
        conn.execute(insert(invoice_lines), [{"invoice_id": invoice_id, **line} for line in lines])
    return invoice_id
