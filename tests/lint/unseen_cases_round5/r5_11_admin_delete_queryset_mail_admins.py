# expect: side-effect-in-transaction
# pattern: ModelAdmin.delete_queryset() override mails the admins about the bulk delete;
#          the admin runs it inside its own transaction, which may still roll back
from django.contrib import admin
from django.core.mail import mail_admins

from crm.models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["email", "source", "created"]

    def delete_queryset(self, request, queryset):
        emails = list(queryset.values_list("email", flat=True))
        queryset.delete()
        mail_admins(  # expect-line
            subject=f"{len(emails)} leads deleted by {request.user}",
            message="\n".join(emails),
        )
