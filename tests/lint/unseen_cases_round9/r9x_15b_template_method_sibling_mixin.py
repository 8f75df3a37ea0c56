# expect: side-effect-in-transaction
# pattern: the base exporter calls self.deliver() inside its atomic block; deliver() is not
#          defined there but in a sibling mixin that the concrete export class combines with it
import requests
from django.conf import settings
from django.db import transaction

from billing.models import Invoice


class Exporter:
    def collect(self):
        raise NotImplementedError

    def run(self):
        with transaction.atomic():
            rows = self.collect()
            self.deliver(rows)  # via-indirection
            Invoice.objects.filter(pk__in=[row["id"] for row in rows]).update(exported=True)


class WebhookDelivery:
    def deliver(self, rows):
        requests.post(settings.ERP_WEBHOOK_URL, json=rows, timeout=30)  # expect-line


class InvoiceExport(WebhookDelivery, Exporter):
    def collect(self):
        return list(Invoice.objects.select_for_update().filter(exported=False).values("id", "total"))
