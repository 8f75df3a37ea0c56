# expect: side-effect-in-transaction
# pattern: the command opens atomic() only for --dry-run and rolls it back at the end. The
#          transaction is chosen at run time, so in a dry run the Slack webhook inside the
#          "with" announces finalised invoices that the rollback then undoes.
import json
from contextlib import nullcontext
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from billing.models import Invoice


class Command(BaseCommand):
    help = "Finalise the draft invoices of a billing period and post the count to Slack."

    def add_arguments(self, parser):
        parser.add_argument("period", help="billing period, for example 2024-05")
        parser.add_argument("--dry-run", action="store_true", help="roll back instead of committing")

    def handle(self, *args, period, dry_run, **options):
        scope = transaction.atomic() if dry_run else nullcontext()
        with scope:
            finalised = Invoice.objects.filter(period=period, state=Invoice.DRAFT).update(state=Invoice.FINAL)
            body = json.dumps({"text": f"Billing period {period}: {finalised} invoices finalised"}).encode()
            urlopen(Request(settings.SLACK_WEBHOOK_URL, data=body, headers={"Content-Type": "application/json"}), timeout=10)  # expect-line
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(f"{finalised} invoices finalised")
