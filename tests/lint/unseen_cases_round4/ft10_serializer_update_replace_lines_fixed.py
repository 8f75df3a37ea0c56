# expect: none
# fixed shape: the invoice and its lines are replaced in one transaction
from django.db import transaction
from rest_framework import serializers

from invoices.models import Invoice, InvoiceLine


class InvoiceSerializer(serializers.ModelSerializer):
    lines = serializers.ListField(child=serializers.DictField(), write_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "customer", "due_date", "lines"]

    @transaction.atomic
    def update(self, instance, validated_data):
        lines = validated_data.pop("lines", [])
        for attribute, value in validated_data.items():
            setattr(instance, attribute, value)
        instance.save()
        instance.lines.all().delete()
        InvoiceLine.objects.bulk_create(InvoiceLine(invoice=instance, **line) for line in lines)
        return instance
