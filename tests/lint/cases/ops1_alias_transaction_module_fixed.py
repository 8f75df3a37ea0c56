# expect: none
from functools import partial

import httpx
from django.db import transaction as tx

from ledger.models import Entry


def post_entry(account, amount):
    with tx.atomic(using="ledger"):
        entry = Entry.objects.using("ledger").create(account=account, amount=amount)
        tx.on_commit(partial(httpx.post, "https://audit.example.invalid/entries", json={"id": entry.pk}), using="ledger")
    return entry
