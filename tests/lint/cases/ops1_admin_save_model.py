# expect: side-effect-in-transaction
# pattern: Django admin runs save_model() inside its own atomic block
from django.contrib import admin
from django.core.mail import EmailMessage

from shop.models import Refund


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        message = EmailMessage("Refund approved", f"Refund {obj.pk}", to=[obj.customer.email])
        message.send()  # expect-line
