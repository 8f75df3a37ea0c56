# expect: none
# fixed shape for textsql04: the update subtracts in SQL and refuses to go below zero
from django.db import transaction
from django.db.models import F

from shop.models import Wallet


def charge(owner_id: int, cost: int) -> None:
    with transaction.atomic():
        wallet = Wallet.objects.raw("SELECT id, credits FROM shop_wallet WHERE owner_id = %s", [owner_id])[0]
        updated = Wallet.objects.filter(pk=wallet.pk, credits__gte=cost).update(credits=F("credits") - cost)
        if not updated:
            raise ValueError("not enough credits")
