# expect: forgotten-transaction
# pattern: each helper is atomic on its own, and the view calls both; the order commits
#          before the wallet is charged, so a failed charge leaves an unpaid order
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse

from shop.models import Order, Wallet


@transaction.atomic
def create_order(customer, cart):
    order = Order.objects.create(customer=customer, total=cart.total)
    order.lines.bulk_create([order.lines.model(order=order, sku=i.sku) for i in cart.items])
    return order


@transaction.atomic
def charge_wallet(customer, amount):
    updated = Wallet.objects.filter(owner=customer, balance__gte=amount).update(balance=F("balance") - amount)
    if not updated:
        raise ValueError(f"wallet of customer {customer.pk} has less than {amount}")


def checkout(request):
    cart = request.user.cart
    order = create_order(request.user, cart)  # expect-line
    charge_wallet(request.user, cart.total)
    return JsonResponse({"order": order.pk})
