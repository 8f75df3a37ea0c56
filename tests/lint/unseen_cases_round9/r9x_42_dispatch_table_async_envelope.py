# expect: non-uniform-interface
# pattern: webhook handlers picked from a dict raise the imported WebhookRejected, but
#          handle_refund() returns {"ok": False, "error": ...} when the charge is unknown
from billing.errors import WebhookRejected
from billing.models import Charge, Invoice


async def handle_invoice_paid(event):
    invoice = await Invoice.get_or_none(external_id=event["invoice"])
    if invoice is None:
        raise WebhookRejected(f"unknown invoice {event['invoice']}")
    invoice.paid = True
    await invoice.save()
    return invoice


async def handle_charge_failed(event):
    charge = await Charge.get_or_none(external_id=event["charge"])
    if charge is None:
        raise WebhookRejected(f"unknown charge {event['charge']}")
    charge.failed = True
    await charge.save()
    return charge


async def handle_refund(event):  # expect-line: an envelope on one path
    charge = await Charge.get_or_none(external_id=event["charge"])
    if charge is None:
        return {"ok": False, "error": f"unknown charge {event['charge']}"}
    charge.refunded = True
    await charge.save()
    return charge


WEBHOOK_HANDLERS = {
    "invoice.paid": handle_invoice_paid,
    "charge.failed": handle_charge_failed,
    "charge.refunded": handle_refund,
}


async def process(event):
    handler = WEBHOOK_HANDLERS.get(event["type"])
    if handler is None:
        return None
    return await handler(event["data"])
