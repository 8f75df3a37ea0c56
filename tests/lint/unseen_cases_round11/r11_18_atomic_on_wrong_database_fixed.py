# expect: none
# fixed shape: the transaction is opened on the database that receives the writes
# Configuration the case needs (settings.py of the same project):
#     DATABASES = {"default": {...}, "ledger": {...}}
from django.db import transaction

from ledger.models import Entry, JournalBatch

LEDGER_DB = "ledger"


def post_batch(reference, lines):
    with transaction.atomic(using=LEDGER_DB):
        batch = JournalBatch.objects.using(LEDGER_DB).create(reference=reference)
        Entry.objects.using(LEDGER_DB).bulk_create(
            [Entry(batch=batch, account=line.account, amount=line.amount) for line in lines]
        )
    return batch
