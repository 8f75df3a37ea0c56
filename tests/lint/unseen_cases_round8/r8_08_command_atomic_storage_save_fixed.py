# expect: none
# fixed shape for r8_08: the payouts are claimed as EXPORTING with the file name in a
# short transaction, the file is written after COMMIT, then they become EXPORTED. If the
# upload fails, the rows stay EXPORTING under that file name and are not exported twice.
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

    def handle(self, *args, **options):
        name = f"payouts/{timezone.now():%Y%m%d-%H%M%S}.csv"
        with transaction.atomic():
            payouts = list(Payout.objects.select_for_update().filter(status=Payout.PENDING))
            Payout.objects.filter(pk__in=[payout.pk for payout in payouts]).update(
                status=Payout.EXPORTING, export_file=name
            )

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for payout in payouts:
            writer.writerow([payout.pk, payout.iban, payout.amount])
        default_storage.save(name, ContentFile(buffer.getvalue().encode()))

        Payout.objects.filter(export_file=name, status=Payout.EXPORTING).update(status=Payout.EXPORTED)
        self.stdout.write(f"exported {len(payouts)} payouts to {name}")
