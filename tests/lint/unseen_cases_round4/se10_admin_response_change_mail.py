# expect: side-effect-in-transaction
# pattern: the admin's change view runs save_model() and response_change() inside one
#          atomic() block; a response_change() override that mails the requester runs
#          before the refund approval commits
from django.conf import settings
from django.contrib import admin
from django.core.mail import send_mail

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
            send_mail(  # expect-line
                f"Refund {obj.pk} approved",
                f"{obj.amount} will be returned to your card.",
                settings.DEFAULT_FROM_EMAIL,
                [obj.order.customer.email],
            )
        return super().response_change(request, obj)
