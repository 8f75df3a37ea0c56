# expect: side-effect-in-transaction
# pattern: Celery task syncs a record, and inside atomic() calls the CRM through an
#          httpx.Client bound by a with statement; a later failure rolls back the sync flag
import httpx
from celery import shared_task
from django.db import transaction

from crm.models import Contact


@shared_task
def push_contact(contact_id):
    with httpx.Client(base_url="https://crm.invalid", timeout=10) as client:
        with transaction.atomic():
            contact = Contact.objects.select_for_update().get(pk=contact_id)
            client.put(f"/contacts/{contact.external_id}", json={"email": contact.email})  # expect-line
            contact.synced = True
            contact.save(update_fields=["synced"])
            contact.sync_log.create(status="ok")
