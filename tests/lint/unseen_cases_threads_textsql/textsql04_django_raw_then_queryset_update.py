# expect: missing-lock
# pattern: a wallet row is loaded with Model.objects.raw(), the charge is subtracted in
#          Python and the result is written back with a queryset update()
from django.db import transaction

from shop.models import Wallet


def charge(owner_id: int, cost: int) -> None:
    with transaction.atomic():
        wallet = Wallet.objects.raw("SELECT id, credits FROM shop_wallet WHERE owner_id = %s", [owner_id])[0]  # expect-line
        remaining = wallet.credits - cost
        if remaining < 0:
            raise ValueError("not enough credits")
        Wallet.objects.filter(pk=wallet.pk).update(credits=remaining)
