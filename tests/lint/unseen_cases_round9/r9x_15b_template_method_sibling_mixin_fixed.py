# expect: none
# fixed shape for r9x_15b: the rows are delivered after the block that marks them commits
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
            Invoice.objects.filter(pk__in=[row["id"] for row in rows]).update(exported=True)
        self.deliver(rows)


class WebhookDelivery:
    def deliver(self, rows):
        requests.post(settings.ERP_WEBHOOK_URL, json=rows, timeout=30)


class InvoiceExport(WebhookDelivery, Exporter):
    def collect(self):
        return list(Invoice.objects.select_for_update().filter(exported=False).values("id", "total"))
