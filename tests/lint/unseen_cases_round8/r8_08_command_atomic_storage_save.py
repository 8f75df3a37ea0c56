# expect: side-effect-in-transaction
# pattern: an @atomic management command writes the bank's payout file to storage, then
#          marks the payouts as exported; when the update fails, the file stays in the
#          bucket and the bank pays out rows that the database still shows as pending
import csv
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from payouts.models import Payout


class Command(BaseCommand):
    help = "Write the pending payouts to a CSV file for the bank and mark them exported."

    @transaction.atomic
    def handle(self, *args, **options):
        payouts = list(Payout.objects.select_for_update().filter(status=Payout.PENDING))
        name = f"payouts/{timezone.now():%Y%m%d-%H%M%S}.csv"

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for payout in payouts:
            writer.writerow([payout.pk, payout.iban, payout.amount])
        default_storage.save(name, ContentFile(buffer.getvalue().encode()))  # expect-line

        Payout.objects.filter(pk__in=[payout.pk for payout in payouts]).update(
            status=Payout.EXPORTED, export_file=name
        )
        self.stdout.write(f"exported {len(payouts)} payouts to {name}")
