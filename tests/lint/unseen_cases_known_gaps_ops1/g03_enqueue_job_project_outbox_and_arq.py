# expect: side-effect-in-transaction
from arq.connections import ArqRedis
from django.db import transaction

from billing.models import Invoice, OutboxJob


class JobOutbox:
    """Jobs stored in the database; a relay process hands them to the workers after commit."""

    def enqueue_job(self, name, **payload):
        return OutboxJob.objects.create(name=name, payload=payload)


async def close_invoice(invoice_id, arq: ArqRedis):
    outbox = JobOutbox()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        invoice.state = "closed"
        invoice.save(update_fields=["state"])
        outbox.enqueue_job("render_pdf", invoice_id=invoice.pk)
        await arq.enqueue_job("email_invoice", invoice.pk)  # expect-line
