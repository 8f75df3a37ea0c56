# expect: forgotten-transaction
# pattern: the ledger tables live in a second database, "ledger", and every write here
#          names it with .using(). atomic() without using= opens its transaction on
#          "default", so the batch and its entries still commit one by one, and a failing
#          entry insert leaves a batch with no entries.
# Configuration the case needs (settings.py of the same project):
#     DATABASES = {"default": {...}, "ledger": {...}}
from django.db import transaction

from ledger.models import Entry, JournalBatch

LEDGER_DB = "ledger"


def post_batch(reference, lines):
    with transaction.atomic():
        batch = JournalBatch.objects.using(LEDGER_DB).create(reference=reference)  # expect-line
        Entry.objects.using(LEDGER_DB).bulk_create(
            [Entry(batch=batch, account=line.account, amount=line.amount) for line in lines]
        )
    return batch
