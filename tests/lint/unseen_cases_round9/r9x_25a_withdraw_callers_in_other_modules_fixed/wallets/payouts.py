from django.db import transaction

from wallets.models import Wallet


def pay_out(user, amount):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(owner=user)
        wallet.withdraw(amount)
        return wallet.balance
