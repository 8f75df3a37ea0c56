# expect: side-effect-in-transaction
# pattern: calling a function decorated with @huey.task() does not run it but enqueues
#          it. Called inside peewee's db.atomic(), the consumer can start before the
#          COMMIT and not find the invoice.
from huey import RedisHuey

from billing.db import db
from billing.models import Invoice, InvoiceLine
from billing.pdf import render_pdf

huey = RedisHuey("billing")


@huey.task(retries=3, retry_delay=30)
def render_invoice_pdf(invoice_id):
    invoice = Invoice.get_by_id(invoice_id)
    pdf_key = render_pdf(invoice)
    Invoice.update(pdf_key=pdf_key).where(Invoice.id == invoice_id).execute()


def issue_invoice(customer, lines):
    with db.atomic():
        invoice = Invoice.create(customer=customer, state="issued")
        InvoiceLine.insert_many([{"invoice": invoice, **line} for line in lines]).execute()
        render_invoice_pdf(invoice.id)  # expect-line
    return invoice
