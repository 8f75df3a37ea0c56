# expect: forgotten-transaction
# pattern: a serializer's update() saves the invoice, deletes its lines and bulk-creates
#          the new ones, each statement committed on its own; a failing bulk insert leaves
#          the invoice with no lines
from rest_framework import serializers

from invoices.models import Invoice, InvoiceLine


class InvoiceSerializer(serializers.ModelSerializer):
    lines = serializers.ListField(child=serializers.DictField(), write_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "customer", "due_date", "lines"]

    def update(self, instance, validated_data):
        lines = validated_data.pop("lines", [])
        for attribute, value in validated_data.items():
            setattr(instance, attribute, value)
        instance.save()  # expect-line
        instance.lines.all().delete()
        InvoiceLine.objects.bulk_create(InvoiceLine(invoice=instance, **line) for line in lines)
        return instance
