# expect: side-effect-in-transaction
# pattern: the Django admin runs delete_view() inside transaction.atomic(). The
#          delete_model() override removes the contact from the CRM first, so when the
#          local delete then fails (a pre_delete receiver raises, the database rejects
#          the DELETE), the rollback keeps a local contact whose CRM record is gone.
import httpx
from django.conf import settings
from django.contrib import admin

from crm.models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "crm_id"]

    def delete_model(self, request, obj):
        httpx.delete(f"{settings.CRM_API_URL}/contacts/{obj.crm_id}", timeout=10).raise_for_status()  # expect-line
        super().delete_model(request, obj)
