from celery import shared_task
from django.core.mail import send_mail

from billing.models import Invoice


@shared_task
def send_receipt(invoice_id):
    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    send_mail(f"Receipt for invoice {invoice.number}", invoice.receipt_text(), None, [invoice.customer.email])
