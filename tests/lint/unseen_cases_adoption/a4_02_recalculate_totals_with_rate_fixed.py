# expect: none
# Each order's total is recomputed from its own lines. A partial run leaves every order
# either recomputed or as it was, and running it again gives the same totals.
from django.core.management.base import BaseCommand
from django.db.models import F, Sum

from orders.models import Order


class Command(BaseCommand):
    def handle(self, *args, **options):
        for order in Order.objects.annotate(line_sum=Sum(F("lines__price") * F("lines__quantity"))):
            order.total = order.line_sum or 0
            order.save(update_fields=["total"])
