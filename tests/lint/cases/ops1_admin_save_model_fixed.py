# expect: none
from django.contrib import admin
from django.core.mail import EmailMessage
from django.db import transaction

from shop.models import Refund


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        message = EmailMessage("Refund approved", f"Refund {obj.pk}", to=[obj.customer.email])
        transaction.on_commit(message.send)
