# expect: side-effect-in-transaction
# pattern: DRF viewset create() override under atomic(using=...) sends an SQS message
#          through a module-level boto3 client before the billing database commits
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
            sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=str(invoice.pk))  # expect-line
            invoice.lines.update(locked=True)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
