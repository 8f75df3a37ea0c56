# expect: none
# fixed shape: the message is sent after the billing database commits
import boto3
from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.response import Response

from billing.models import Invoice
from billing.serializers import InvoiceSerializer

sqs = boto3.client("sqs")
QUEUE_URL = "https://queue.invalid/invoices"


class InvoiceViewSet(viewsets.ModelViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic(using="billing"):
            invoice = serializer.save()
            invoice_id = str(invoice.pk)
            transaction.on_commit(
                lambda: sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=invoice_id),
                using="billing",
            )
            invoice.lines.update(locked=True)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
