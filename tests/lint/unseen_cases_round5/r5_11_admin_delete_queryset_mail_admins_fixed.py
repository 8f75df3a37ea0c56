# expect: none
# fixed shape: the mail waits for the admin's transaction to commit
from functools import partial

from django.contrib import admin
from django.core.mail import mail_admins
from django.db import transaction

from crm.models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["email", "source", "created"]

    def delete_queryset(self, request, queryset):
        emails = list(queryset.values_list("email", flat=True))
        queryset.delete()
        transaction.on_commit(
            partial(
                mail_admins,
                subject=f"{len(emails)} leads deleted by {request.user}",
                message="\n".join(emails),
            )
        )
