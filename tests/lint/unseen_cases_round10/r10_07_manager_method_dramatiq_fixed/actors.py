import dramatiq


@dramatiq.actor(max_retries=5)
def render_invoice_pdf(invoice_id):
    from .models import Invoice

    Invoice.objects.get(pk=invoice_id).render_pdf()
