# expect: side-effect-in-transaction
# pattern: transaction module imported under another name, atomic(using=...) and httpx
import httpx
from django.db import transaction as tx

from ledger.models import Entry


def post_entry(account, amount):
    with tx.atomic(using="ledger"):
        entry = Entry.objects.using("ledger").create(account=account, amount=amount)
        httpx.post("https://audit.example.invalid/entries", json={"id": entry.pk})  # expect-line
    return entry
