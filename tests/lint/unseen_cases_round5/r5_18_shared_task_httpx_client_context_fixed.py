# expect: none
# fixed shape: read under the lock, call the CRM after the transaction, then record it
import httpx
from celery import shared_task
from django.db import transaction

from crm.models import Contact


@shared_task
def push_contact(contact_id):
    contact = Contact.objects.get(pk=contact_id)
    with httpx.Client(base_url="https://crm.invalid", timeout=10) as client:
        client.put(f"/contacts/{contact.external_id}", json={"email": contact.email})
    with transaction.atomic():
        Contact.objects.filter(pk=contact_id).update(synced=True)
        contact.sync_log.create(status="ok")
