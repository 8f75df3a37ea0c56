# expect: forgotten-transaction
# Every order gets a total computed with the rate the command is given. A failure midway
# leaves some orders at the new rate and the rest at the old one: the rate change is one
# change across the rows.
from django.core.management.base import BaseCommand
from django.db.models import F, Sum

from orders.models import Order


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("rate", type=float)

    def handle(self, *args, rate, **options):
        for order in Order.objects.annotate(line_sum=Sum(F("lines__price") * F("lines__quantity"))):
            order.total = (order.line_sum or 0) * rate
            order.save(update_fields=["total"])  # expect-line
