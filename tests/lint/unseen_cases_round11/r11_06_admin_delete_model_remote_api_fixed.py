# expect: none
# fixed shape: the local row is deleted first and the CRM call waits for the admin's COMMIT
from functools import partial

import httpx
from django.conf import settings
from django.contrib import admin
from django.db import transaction

from crm.models import Contact


def remove_crm_contact(crm_id):
    httpx.delete(f"{settings.CRM_API_URL}/contacts/{crm_id}", timeout=10).raise_for_status()


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "crm_id"]

    def delete_model(self, request, obj):
        crm_id = obj.crm_id
        super().delete_model(request, obj)
        transaction.on_commit(partial(remove_crm_contact, crm_id))
