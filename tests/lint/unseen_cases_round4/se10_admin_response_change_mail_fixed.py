# expect: none
# fixed shape: the mail is deferred to the commit of the change view's transaction
from django.conf import settings
from django.contrib import admin
from django.core.mail import send_mail
from django.db import transaction

from refunds.models import Refund


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["pk", "order", "amount", "status"]
    change_form_template = "admin/refunds/refund/change_form.html"

    def response_change(self, request, obj):
        if "_approve" in request.POST:
            obj.status = Refund.Status.APPROVED
            obj.approved_by = request.user
            obj.save(update_fields=["status", "approved_by"])
            subject = f"Refund {obj.pk} approved"
            body = f"{obj.amount} will be returned to your card."
            recipient = obj.order.customer.email
            transaction.on_commit(
                lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
            )
        return super().response_change(request, obj)
